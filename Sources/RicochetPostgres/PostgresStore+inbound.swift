import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func storeInbound(_ mail: InboundMail) async throws {
        try await pool.query(
            """
            INSERT INTO inbound_mail (id, received_at, peer, helo, mail_from, rcpt_to, size, data)
            VALUES (?, ?, ?::text, ?, ?, ?, ?, ?)
            """,
            [
                .text(mail.id), .int64(mail.receivedAt.milliseconds), mail.peer.map(PGValue.text) ?? .null,
                .text(mail.helo), .text(mail.mailFrom),
                .text(JSONPayloadEncoder.encode(.list(mail.rcptTo.map(PayloadValue.string)))),
                .integer(mail.data.count), .blob(mail.data),
            ])
    }

    public func unprocessedInbound(limit: Int) async throws -> [InboundMail] {
        try await pool.query(
            """
            SELECT id, received_at, peer, helo, mail_from, rcpt_to, data FROM inbound_mail
            WHERE processed_at IS NULL ORDER BY seq LIMIT ?
            """,
            [.integer(limit)]
        ).map { row in
            guard case .list(let recipients) = try JSONPayloadDecoder.decode(try row.text("rcpt_to")) else {
                throw StoreError.corrupt("inbound mail: rcpt_to")
            }
            return InboundMail(
                id: try row.text("id"), receivedAt: Date(milliseconds: try row.int64("received_at")),
                peer: row.optionalText("peer"), helo: try row.text("helo"), mailFrom: try row.text("mail_from"),
                rcptTo: recipients.compactMap { if case .string(let address) = $0 { address } else { nil } },
                data: row.optionalBlob("data") ?? [])
        }
    }

    public func pruneInbound(processedBefore cutoff: Date) async throws -> Int {
        var removed = 0
        while true {
            let chunk = try await pool.query(
                """
                DELETE FROM inbound_mail WHERE seq IN (
                    SELECT seq FROM inbound_mail WHERE processed_at < ? LIMIT \(Self.pruneChunk))
                RETURNING seq
                """,
                [.int64(cutoff.milliseconds)]
            ).count
            removed += chunk
            if chunk < Self.pruneChunk { return removed }
        }
    }

    public func markInboundProcessed(_ ids: [String], now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await pool.query(
            "UPDATE inbound_mail SET processed_at = ? WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))",
            [.int64(now.milliseconds)] + ids.map(PGValue.text))
    }
}
