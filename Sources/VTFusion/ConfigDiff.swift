import Foundation

extension VTFusionConfig {
    /// Fields a resumed run may change: the total step count (a run can be extended) and the warmup
    /// derived from it.
    public static let extendableOnResume: Set<String> = ["training.total_steps", "training.warmup_steps"]

    /// JSON key paths (as written in `config.json`, e.g. `training.learning_rate`) whose values differ.
    public func differences(from other: VTFusionConfig) -> [String] {
        func flat(_ c: VTFusionConfig) -> [String: String] {
            guard let data = try? VTFusionConfig.encoder.encode(c),
                  let obj = try? JSONSerialization.jsonObject(with: data) else { return [:] }
            var out: [String: String] = [:]
            func walk(_ v: Any, _ path: String) {
                if let d = v as? [String: Any] {
                    for (k, x) in d { walk(x, path.isEmpty ? k : path + "." + k) }
                } else {
                    out[path] = (try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys]))
                        .map { String(decoding: $0, as: UTF8.self) } ?? "\(v)"
                }
            }
            walk(obj, "")
            return out
        }
        let a = flat(self), b = flat(other)
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}
