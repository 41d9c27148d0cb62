import Foundation
import Logging
import OrderedCollections
import RicochetCore
import Synchronization

/// `--log-format json`: every log line one JSON object, for a log shipper:
/// `{"time", "level", "message", "label", "node", "metadata": {…}}`, with
/// the time in UTC to the millisecond. `node` is lifted out of the
/// metadata, where every line of `ricochet serve` carries it.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(
            Self.line(
                time: Date(), level: event.level, message: "\(event.message)", label: label, metadata: merged,
                source: event.source))
    }

    /// One line, without its newline.
    public static func line(
        time: Date, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata,
        source: String? = nil
    ) -> String {
        var metadata = metadata
        var object: OrderedDictionary<String, PayloadValue> = [
            "time": .string(timestamp(time)), "level": .string(level.rawValue), "message": .string(message),
            "label": .string(label),
        ]
        if let node = metadata.removeValue(forKey: "node") { object["node"] = value(node) }
        if let source, !source.isEmpty { object["source"] = .string(source) }
        object["metadata"] = .object(
            OrderedDictionary(
                uniqueKeysWithValues: metadata.sorted { $0.key < $1.key }.map { ($0.key, value($0.value)) })
        )
        return JSONPayloadEncoder.encode(.object(object))
    }

    private static func value(_ value: Logger.Metadata.Value) -> PayloadValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .list(items.map(Self.value))
        case .dictionary(let fields):
            .object(
                OrderedDictionary(
                    uniqueKeysWithValues: fields.sorted { $0.key < $1.key }.map { ($0.key, Self.value($0.value)) }))
        }
    }

    /// `2026-12-03T10:00:00.123Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = milliseconds - seconds * 1000
        let day = EventTimestamp.timestamp(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return day.replacingOccurrences(of: " ", with: "T") + ".\(padded)Z"
    }

    /// Whole lines to standard error, one writer at a time.
    @Sendable public static func standardError(_ line: String) {
        lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static let lock = Mutex(())
}
