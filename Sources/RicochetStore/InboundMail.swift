import Foundation

/// A mail as the SMTP receiver took it: envelope and bytes, unparsed.
public struct InboundMail: Sendable, Equatable {
    public let id: String
    public let receivedAt: Date
    /// The client's address, as `host:port`.
    public let peer: String?
    public let helo: String
    /// Empty for the null sender.
    public let mailFrom: String
    public let rcptTo: [String]
    public let data: [UInt8]

    public init(
        id: String, receivedAt: Date, peer: String?, helo: String, mailFrom: String, rcptTo: [String], data: [UInt8]
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.peer = peer
        self.helo = helo
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.data = data
    }
}

public protocol InboundMailStore: Sendable {
    /// Stores the mail durably: when this returns, it survives a crash.
    func storeInbound(_ mail: InboundMail) async throws
    /// Claims mail not yet made into events, oldest first, for `holder`
    /// until `until`: mail another node claimed is skipped until its claim
    /// expires, so each mail is made into events by one node, whichever
    /// received it.
    func claimInbound(limit: Int, holder: String, until: Date, now: Date) async throws -> [InboundMail]
    /// Removes mail made into events before `cutoff`; returns how many.
    func pruneInbound(processedBefore cutoff: Date) async throws -> Int
    /// Marks mail as made into events (or as about no message of ours); mail
    /// already marked keeps its first mark.
    func markInboundProcessed(_ ids: [String], now: Date) async throws
}
