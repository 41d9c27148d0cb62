import Foundation
import Hummingbird
import RicochetCore

/// The request context of every route: who is calling, once authenticated.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyAuthenticator`` for routes under `/api/v1`.
    public var account: Account?
    /// The IP address of the peer that sent the request.
    public let peerAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        account = nil
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    public var responseEncoder: some ResponseEncoder {
        APIResponseEncoder()
    }

    /// The caller's account; routes behind the authenticator always have one.
    func requireAccount() throws -> Account {
        guard let account else { throw APIError.unauthorizedMissing }
        return account
    }
}
