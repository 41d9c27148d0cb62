import Foundation
import Logging
import Testing

@testable import RicochetSQLite

@Suite("SQLite WAL checkpoints")
struct WALCheckpointTests {
    /// A writer that never pauses keeps a passive checkpoint from ever copying
    /// the whole WAL, so without restarts the file only grows: 3,000 commits
    /// of a page each would leave at least 12 MB of it.
    @Test("a writer that never pauses leaves a WAL of bounded size, and every commit in the database")
    func boundedUnderSteadyWrites() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        var checkpoints = SQLiteDatabaseFile.Checkpoints()
        checkpoints.interval = .milliseconds(5)
        checkpoints.restartFrames = 64
        checkpoints.keptBytes = 2 * 64 * 4096
        let file = try await SQLiteDatabaseFile.open(
            path: database.path, checkpoints: checkpoints, logger: Logger(label: "test"))
        try await file.writeStatement("CREATE TABLE filler (body BLOB NOT NULL)", [])
        let commits = 1500
        var largest = 0
        for _ in 0..<commits {
            try await file.writeStatement("INSERT INTO filler (body) VALUES (randomblob(3000))", [])
            largest = max(largest, Self.size(of: database.path + "-wal"))
        }
        let rows = try await file.read("SELECT count(*) AS n FROM filler").first?.column("n")?.integer
        await file.close()
        #expect(rows == commits)
        #expect(largest < 4 << 20, "WAL reached \(largest) bytes")
    }

    private static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
