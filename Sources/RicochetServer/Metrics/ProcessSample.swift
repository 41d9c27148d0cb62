import Foundation

/// What the standard `process_*` metrics say about this process, read from
/// Linux's `/proc` at each scrape (as Prometheus' own clients do); nil
/// elsewhere.
struct ProcessSample: Equatable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var startTime: Double
    var openFiles: Int
    var maximumFiles: Int

    static func read() -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootTime = bootTime(system),
            var sample = parse(
                stat: stat, bootTime: bootTime, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
                pageSize: Double(sysconf(Int32(_SC_PAGESIZE))))
        else { return nil }
        sample.openFiles = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        sample.maximumFiles = HTTPConnectionBudget.openFileLimit()
        return sample
    }

    /// The `btime` line of `/proc/stat`: when the machine booted, in seconds since 1970.
    static func bootTime(_ system: String) -> Double? {
        for line in system.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// `/proc/self/stat` (proc(5)): the command name in parentheses may hold
    /// spaces and parentheses itself, so the fields are counted from the last
    /// `)`. Open files are left for the caller.
    static func parse(stat: String, bootTime: Double, ticksPerSecond: Double, pageSize: Double) -> ProcessSample? {
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // Field 3 (state) is the first after the name.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let resident = field(24)
        else { return nil }
        return ProcessSample(
            cpuSeconds: (user + system) / ticksPerSecond, residentBytes: resident * pageSize, virtualBytes: virtual,
            startTime: bootTime + start / ticksPerSecond, openFiles: 0, maximumFiles: 0)
    }
}
