/// Everything an analysis run can be told; unset values fall back to the game's defaults.
public struct AnalysisOptions: Sendable {
    public var lambda: Double?
    public var leaderLearningRate: Double?
    public var followerLearningRate: Double?
    /// α1/α2 for two-timescale play; overrides the leader's learning rate when given.
    public var timescaleRatio: Double?
    public var unroll = 1
    public var iterations: Int?
    public var returnIterations: Int?
    public var start: [Double]?
    public var trajectoryStarts: [[Double]]?
    /// Arrows per axis in the vector-field plots.
    public var fieldPoints = 21
    /// Root-finder starts per axis; nil: `RootSearch.defaultPerAxis` (9, fewer in high dimension).
    /// An explicit count is used as given, and refused when the grid would exceed `RootSearch.maxStarts`.
    public var rootStartsPerAxis: Int?
    /// Extra points at which every dynamic is evaluated and reported.
    public var points: [[Double]] = []
    /// Continuous-flow horizon (in units of time of ż = −g).
    public var flowTime = 200.0
    public var seed: UInt64 = 0
    /// Point for the spectrum-versus-λ sweep; default: the reference equilibrium when the follower
    /// Hessian is invertible there, else the first trajectory point where it is.
    public var spectrumPoint: [Double]?
    /// The point the error curves, the swept angle and the flows' final errors measure against
    /// (`--reference`); default: the differential Stackelberg equilibrium nearest the start.
    public var reference: [Double]?
    public var lambdaSweep: [Double] = (0...64).map { pow(10, -4 + 8 * Double($0) / 64) }
    public init() {}
}

/// Limits on the sizes an analysis may be asked for, checked before any work or allocation.
public enum AnalysisLimits {
    /// Arrows per axis of a vector-field panel (3 panels of n² arrows are computed and written).
    public static let maxFieldPoints = 500
    /// Iterations of one trajectory (error curve, return curve).
    public static let maxIterations = 1_000_000_000
    /// Follower steps per leader step.
    public static let maxUnroll = 1_000_000
    /// Starts and evaluation points given by the user.
    public static let maxPoints = 10_000
}

/// Options resolved against a game's defaults and validated.
public struct ResolvedOptions: Sendable, Codable {
    public var lambda: Double
    public var leaderLearningRate: Double
    public var followerLearningRate: Double
    public var unroll: Int
    public var iterations: Int
    public var returnIterations: Int
    public var start: [Double]
    public var trajectoryStarts: [[Double]]
    public var fieldPoints: Int
    public var rootStartsPerAxis: Int
    /// Root-finder starts actually used: rootStartsPerAxis^dimension, or `RootSearch.defaultMaxStarts`
    /// Halton points when `haltonStarts`.
    public var rootStarts: Int
    /// Whether the search starts from quasi-random (Halton) points instead of a grid: by default
    /// when a grid of 2 per axis would exceed `RootSearch.defaultMaxStarts` (more than 12 variables),
    /// where a grid of 1 per axis would search from the domain's centre alone.
    public var haltonStarts = false
    public var flowTime: Double
    public var seed: UInt64
    /// The reference point given with `--reference`; nil: chosen among the equilibria found.
    public var reference: [Double]? = nil

    public var rule: StepRule {
        StepRule(leaderLearningRate: leaderLearningRate, followerLearningRate: followerLearningRate, unroll: unroll)
    }
}

extension AnalysisOptions {
    public func resolved(for game: Game) throws(GameError) -> ResolvedOptions {
        let d = game.defaults
        let follower = followerLearningRate ?? d.followerLearningRate
        let leader = timescaleRatio.map { $0 * follower } ?? leaderLearningRate ?? d.leaderLearningRate
        if let r = timescaleRatio, !(r > 0) || !r.isFinite { throw .option("--timescale-ratio α1/α2 must be positive (got \(r))") }
        // The ratio sets α1 from α2, so a given α1 would be ignored without a word.
        if timescaleRatio != nil, leaderLearningRate != nil {
            throw .option("--timescale-ratio sets α1 = ratio × α2, so --lr-leader would be ignored: give one of them")
        }
        let centre = game.domain.map { $0.lowerBound + 0.8 * ($0.upperBound - $0.lowerBound) }
        let start = self.start ?? d.start ?? centre
        let starts = trajectoryStarts ?? d.trajectoryStarts ?? [start]
        let n = game.dimension
        if let perAxis = rootStartsPerAxis {
            if perAxis < 1 { throw .option("--root-starts: the equilibrium search needs at least 1 start per axis (got \(perAxis))") }
            if RootSearch.startCount(perAxis: perAxis, dimension: n) == nil {
                throw .option("--root-starts \(perAxis) on a \(n)-variable game needs \(perAxis)^\(n) = \(fmt(Foundation.pow(Double(perAxis), Double(n)), digits: 3)) root-finder starts (one per point of the grid); the limit is \(RootSearch.maxStarts) starts, at most \(RootSearch.maxPerAxis(dimension: n)) per axis for \(n) variables")
            }
        }
        let perAxis = rootStartsPerAxis ?? RootSearch.defaultPerAxis(dimension: n)
        let halton = rootStartsPerAxis == nil && perAxis < 2 && n > 1
        if fieldPoints > AnalysisLimits.maxFieldPoints {
            let points = Double(fieldPoints) * Double(fieldPoints)
            throw .option("--grid \(fieldPoints) needs \(fieldPoints) × \(fieldPoints) = \(fmt(points, digits: 3)) arrows per vector-field panel, \(bytes(3 * points * 2 * 8)) for the field values of the 3 panels alone (more for the data file); the limit is \(AnalysisLimits.maxFieldPoints) per axis")
        }
        for (option, value) in [("--iterations", iterations), ("--return-iterations", returnIterations)] {
            if let value, value > AnalysisLimits.maxIterations {
                throw .option("\(option) \(value) is above the limit of \(AnalysisLimits.maxIterations) iterations")
            }
        }
        if unroll > AnalysisLimits.maxUnroll {
            throw .option("--unroll \(unroll) is above the limit of \(AnalysisLimits.maxUnroll) follower steps per leader step")
        }
        for (option, count) in [("--starts", starts.count), ("--points", points.count)] where count > AnalysisLimits.maxPoints {
            throw .option("\(option) gives \(count) points; the limit is \(AnalysisLimits.maxPoints)")
        }
        let r = ResolvedOptions(lambda: lambda ?? d.lambda, leaderLearningRate: leader, followerLearningRate: follower,
                                unroll: unroll, iterations: iterations ?? d.iterations,
                                returnIterations: returnIterations ?? d.returnIterations,
                                start: start, trajectoryStarts: starts, fieldPoints: fieldPoints,
                                rootStartsPerAxis: perAxis,
                                rootStarts: halton ? RootSearch.defaultMaxStarts : RootSearch.startCount(perAxis: perAxis, dimension: n)!,
                                haltonStarts: halton, flowTime: flowTime, seed: seed, reference: reference)
        do { try r.rule.validate() } catch { throw .option(error.description.replacingOccurrences(of: "the leader learning rate", with: "the leader learning rate α1 (--lr-leader)").replacingOccurrences(of: "the follower learning rate", with: "the follower learning rate α2 (--lr-follower)").replacingOccurrences(of: "the follower unroll m", with: "--unroll")) }
        if !(r.lambda > 0) || !r.lambda.isFinite { throw .option("--lambda must be positive and finite (got \(r.lambda)); λ = 0 is always analysed as the plain Stackelberg dynamic") }
        if r.iterations < 1 || r.returnIterations < 1 { throw .option("--iterations and --return-iterations must be at least 1 (got \(r.iterations) and \(r.returnIterations))") }
        if r.fieldPoints < 2 { throw .option("--grid: the vector-field grid needs at least 2 points per axis (got \(r.fieldPoints))") }
        if !(r.flowTime > 0) { throw .option("the flow time must be positive (got \(r.flowTime))") }
        // Named by the option that gave them (a game's own default starts are checked the same way).
        let named = [(self.start == nil ? "the game's default start" : "--start", [start]),
                     (trajectoryStarts == nil ? "the game's default trajectory starts" : "--starts", starts), ("--points", points),
                     ("--reference", reference.map { [$0] } ?? [])]
        for (option, list) in named {
            for p in list where p.count != game.dimension {
                throw .option("\(option): the point \(p.map { "\($0)" }.joined(separator: ",")) has \(p.count) coordinate\(p.count == 1 ? "" : "s"); the game has \(game.dimension) (\(game.variables.joined(separator: ", ")))")
            }
            for p in list where !p.allSatisfy(\.isFinite) {
                throw .option("\(option): the point \(p.map { "\($0)" }.joined(separator: ",")) has a non-finite coordinate")
            }
        }
        return r
    }
}

import Foundation

/// A byte count in words (e.g. "480 GB").
func bytes(_ count: Double) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = count, unit = 0
    while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
    return "\(fmt(value, digits: 3)) \(units[unit])"
}
