import Foundation

/// How many HTTP connections the process can afford: each is a file
/// descriptor, and so are the database, the SMTP receiver's connections and
/// the outbound requests, which must not be starved by a flood of idle
/// clients.
public enum HTTPConnectionBudget {
    /// Raises the soft limit of open files to the hard one (as many servers
    /// do at start) and returns the soft limit in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        guard var limit = currentLimit() else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The open-file limit now.
    public static func openFileLimit() -> Int {
        currentLimit().map { Int(clamping: $0.rlim_cur) } ?? 1024
    }

    private static func currentLimit() -> rlimit? {
        var limit = rlimit()
        return getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? limit : nil
    }

    /// 10,000, or fewer when the open-file limit leaves less after keeping
    /// back room for everything else (the SMTP receiver alone may hold 1,000).
    public static func defaultMaximum(openFiles: Int = openFileLimit()) -> Int {
        let reserve = min(1_300, openFiles / 2)
        return max(16, min(10_000, openFiles - reserve))
    }
}
