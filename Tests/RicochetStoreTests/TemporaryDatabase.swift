import Foundation
import Logging

@testable import RicochetSQLite
@testable import RicochetStore

/// A fresh SQLite file in a temporary directory, removed afterwards.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("ricochet.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ricochet-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open() async throws -> SQLiteStore {
        try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
