import Foundation

/// A customer of this installation. Every loop, message and event belongs to one.
public struct Account: Sendable, Equatable {
    public typealias ID = String

    public let id: ID
    public var name: String
    public let createdAt: Date

    public init(id: ID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    public static func newID() -> ID {
        "acct_" + RandomToken.base32(length: 16)
    }
}
