import Foundation

/// Who this process is among the nodes that share a database.
public struct NodeIdentity: Sendable, Equatable {
    /// What the operator calls it (`--node-name`): the host name and process
    /// id unless told otherwise. Shown in logs and the dashboard.
    public let name: String
    /// The name and a random part, new at every start: what the node's
    /// leases are held by, so a node started again under the same name never
    /// mistakes the leases of its previous run for its own.
    public let instance: String

    public init(name: String, instance: String) {
        self.name = name
        self.instance = instance
    }

    /// This process, called `name` or by its host name and process id.
    public static func current(name: String? = nil) -> NodeIdentity {
        let name = name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        return NodeIdentity(name: name, instance: "\(name)#\(RandomToken.base32(length: 8))")
    }
}
