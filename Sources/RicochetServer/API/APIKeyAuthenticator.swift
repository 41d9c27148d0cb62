import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// Authenticates `Authorization: Bearer KEY` and puts the key's account in
/// the context; anything else answers 401.
struct APIKeyAuthenticator<Accounts: AccountStore>: RouterMiddleware {
    typealias Context = APIRequestContext

    let accounts: Accounts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorizedMissing }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorizedMissing }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        guard secret.hasPrefix(APIKey.prefix), secret.count <= 128,
            let account = try await accounts.account(keyHash: APIKey.hash(of: secret))
        else {
            throw APIError.unauthorizedInvalid
        }
        var context = context
        context.account = account
        return try await next(request, context)
    }
}
