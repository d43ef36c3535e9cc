import Autodiff
import Hypergradients
import Seeding

extension StateDictionary {
    /// Stores a generator's state as its bytes.
    public mutating func setGenerator(_ name: String, _ g: SeededGenerator) {
        self[name] = .bytes(withUnsafeBytes(of: g) { Array($0) })
    }

    public func generator(_ name: String) throws -> SeededGenerator {
        let bytes = try self.bytes(name)
        guard bytes.count == MemoryLayout<SeededGenerator>.size else { throw StateError.mismatch("\(name) has \(bytes.count) bytes") }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: SeededGenerator.self) }
    }
}

extension TotalDerivative {
    /// Stores the Nyström column sampler (generator and seed) under `coupling.`, so a resumed run
    /// samples the columns an uninterrupted one would.
    func saveSampler(into state: inout StateDictionary) {
        let sampler = nystromSamplerState
        state.setGenerator("coupling.nystrom_generator", sampler.generator)
        state["coupling.nystrom_seed"] = .integer(sampler.seed.map { Int64(bitPattern: $0) } ?? -1)
    }

    func loadSampler(from state: StateDictionary) throws {
        let seed = try state.integer("coupling.nystrom_seed")
        nystromSamplerState = (try state.generator("coupling.nystrom_generator"), seed == -1 ? nil : UInt64(bitPattern: seed))
    }
}
