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

    public func claimInbound(limit: Int, holder: String, until: Date, now: Date) async throws -> [InboundMail] {
        try await pool.query(
            """
            UPDATE inbound_mail SET claimed_by = ?, claimed_until = ?
            WHERE seq IN (
                SELECT seq FROM inbound_mail
                WHERE processed_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING seq, id, received_at, peer, helo, mail_from, rcpt_to, data
            """,
            [.text(holder), .int64(until.milliseconds), .int64(now.milliseconds), .integer(limit)]
        ).map(StoredRecord.inboundMail(from:)).sorted { $0.seq < $1.seq }.map(\.mail)
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
            "UPDATE inbound_mail SET processed_at = ? WHERE processed_at IS NULL AND id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))",
            [.int64(now.milliseconds)] + ids.map(PGValue.text))
    }
}
