import CNumerics
import Symbolic

/// The continuous-time flow ż = −Γ g(z) of a dynamic, integrated with GSL's adaptive
/// Runge–Kutta–Fehlberg (4, 5) stepper. Γ scales the leader and follower blocks (timescale ratio).
public struct FlowSolution: Sendable {
    public var times: [Double]
    public var states: [[Double]]
    /// Set when the integrator stopped early (stiffness, a singular field); the solution up to there is kept.
    public var stoppedEarly: String?
    /// The field is not finite at the start itself: the dynamic is undefined there (its `stoppedEarly` says so
    /// in general terms; the caller, which knows the game, can say why).
    public var undefinedAtStart = false
}

/// Context handed to GSL's C callbacks.
private final class FlowContext {
    let evaluator: TapeEvaluator
    let jacobianEvaluator: TapeEvaluator
    let dimension: Int
    let scale: [Double]
    init(_ dynamic: CompiledDynamic, scale: [Double]) {
        evaluator = TapeEvaluator(dynamic.field, lanes: 1)
        jacobianEvaluator = TapeEvaluator(dynamic.jacobian, lanes: 1)
        evaluator.input(dynamic.dimension)[0] = dynamic.kind.lambda
        jacobianEvaluator.input(dynamic.dimension)[0] = dynamic.kind.lambda
        dimension = dynamic.dimension
        self.scale = scale
    }
}

extension CompiledDynamic {
    public func flow(from start: [Double], until endTime: Double, samples: Int,
                     leaderRate: Double = 1, followerRate: Double = 1,
                     absoluteTolerance: Double = 1e-10, relativeTolerance: Double = 1e-8) throws(GameError) -> FlowSolution {
        guard start.count == dimension else { throw .invalid("the flow start has \(start.count) coordinates; the game has \(dimension)") }
        guard endTime > 0, endTime.isFinite, samples >= 2 else { throw .invalid("the flow needs a positive end time and at least 2 samples") }
        let scale = (0..<dimension).map { $0 < leaderDimension ? leaderRate : followerRate }
        let context = FlowContext(self, scale: scale)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }

        let function: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { _, y, f, params in
            let c = Unmanaged<FlowContext>.fromOpaque(params!).takeUnretainedValue()
            for k in 0..<c.dimension { c.evaluator.input(k)[0] = y![k] }
            c.evaluator.run()
            for k in 0..<c.dimension {
                let v = -c.scale[k] * c.evaluator.output(k)[0]
                guard v.isFinite else { return Int32(GSL_EBADFUNC) }
                f![k] = v
            }
            return Int32(GSL_SUCCESS)
        }
        let jacobian: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { _, y, dfdy, dfdt, params in
            let c = Unmanaged<FlowContext>.fromOpaque(params!).takeUnretainedValue()
            let n = c.dimension
            for k in 0..<n { c.jacobianEvaluator.input(k)[0] = y![k] }
            c.jacobianEvaluator.run()
            for i in 0..<n {
                dfdt![i] = 0
                for j in 0..<n { dfdy![i * n + j] = -c.scale[i] * c.jacobianEvaluator.output(i * n + j)[0] }
            }
            return Int32(GSL_SUCCESS)
        }
        var system = gsl_odeiv2_system(function: function, jacobian: jacobian, dimension: dimension, params: unmanaged.toOpaque())
        let driver = withUnsafeMutablePointer(to: &system) {
            gsl_odeiv2_driver_alloc_y_new($0, gsl_odeiv2_step_rkf45, 1e-3, absoluteTolerance, relativeTolerance)
        }!
        defer { gsl_odeiv2_driver_free(driver) }
        gsl_odeiv2_driver_set_nmax(driver, 1_000_000)

        var t = 0.0
        var y = start
        var solution = FlowSolution(times: [0], states: [start], stoppedEarly: nil)
        for i in 1..<samples {
            let ti = endTime * Double(i) / Double(samples - 1)
            let status = withGSLErrorsAsCodes { gsl_odeiv2_driver_apply(driver, &t, ti, &y) }
            if status != Int32(GSL_SUCCESS) {
                // GSL_EBADFUNC is the right-hand side refusing a non-finite value: say what that means
                // for a game (its dynamic is undefined there), not GSL's "problem with user-supplied function".
                solution.undefinedAtStart = status == Int32(GSL_EBADFUNC) && t == 0
                solution.stoppedEarly = status == Int32(GSL_EBADFUNC)
                    ? (t == 0 ? "undefined at the start: the dynamic's value there is not finite"
                              : "integration stopped at t = \(fmt(t)): the dynamic's value became non-finite (the path reached a point where the dynamic is undefined)")
                    : status == Int32(GSL_FAILURE)
                        ? "integration stopped at t = \(fmt(t)): GSL's step control failed (the step size shrank to nothing, as it does next to a singularity of the dynamic)"
                        : "integration stopped at t = \(fmt(t)): \(String(cString: gsl_strerror(status)))"
                // The driver leaves t and y at its last successful step: the path's last good state, which
                // the report gives as the flow's end (the last sample could be far back).
                if t > solution.times.last!, y.allSatisfy(\.isFinite) {
                    solution.times.append(t)
                    solution.states.append(y)
                }
                break
            }
            solution.times.append(t)
            solution.states.append(y)
        }
        return solution
    }
}
