import Foundation
import NIOCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func cachedImage(url: String) async throws -> CachedImage? {
        try await database.read(
            "SELECT url, content_type, body, fetched_at FROM image_cache WHERE url = ?", [.text(url)]
        ).first.map { row in
            CachedImage(
                url: try row.text("url"), contentType: try row.text("content_type"),
                body: Array(row.column("body")?.blob?.readableBytesView ?? ByteBuffer().readableBytesView),
                fetchedAt: Date(milliseconds: try row.int64("fetched_at")))
        }
    }

    public func cache(_ image: CachedImage) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                "INSERT OR REPLACE INTO image_cache (url, content_type, body, fetched_at) VALUES (?, ?, ?, ?)",
                [
                    .text(image.url), .text(image.contentType), .blob(ByteBuffer(bytes: image.body)),
                    .int64(image.fetchedAt.milliseconds),
                ])
        }
    }
}
