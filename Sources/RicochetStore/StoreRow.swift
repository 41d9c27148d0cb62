import Foundation

/// A row as a backend returns it, by column name.
public protocol StoreRow {
    func optionalText(_ column: String) -> String?
    func optionalInt64(_ column: String) -> Int64?
    func optionalBlob(_ column: String) -> [UInt8]?
}

extension StoreRow {
    public func text(_ column: String) throws -> String {
        guard let value = optionalText(column) else { throw StoreError.corrupt("missing \(column)") }
        return value
    }

    public func int64(_ column: String) throws -> Int64 {
        guard let value = optionalInt64(column) else { throw StoreError.corrupt("missing \(column)") }
        return value
    }
}

extension Date {
    /// Milliseconds since 1970, as the stores keep times.
    public var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
