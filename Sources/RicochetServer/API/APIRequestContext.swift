import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The request context of every route: who is calling, once authenticated.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyAuthenticator`` for routes under `/api/v1`.
    public var account: Account?
    /// The IP address of the peer that sent the request.
    public let peerAddress: String?
    /// Set by the dashboard's authenticator for its pages.
    var dashboard: DashboardSession?
    /// A dashboard form, read and checked by the authenticator.
    var form: FormBody?

    public init(source: Source) {
        coreContext = .init(source: source)
        account = nil
        dashboard = nil
        form = nil
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
