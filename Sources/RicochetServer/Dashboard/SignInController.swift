import Foundation
import Hummingbird
import NIOPosix
import RicochetCore
import RicochetStore

/// The dashboard's front door: `/` sends a browser to its loops or to the
/// sign-in form; signing in takes an email address and password (a user of
/// `ricochet user create`) or an API key; signing out ends the session.
struct SignInController<S: AccountStore & DashboardSessionStore & DashboardUserStore & SignInFailureStore>: Sendable {
    /// Pairs the sign-in form with the browser that asked for it (the form's
    /// token must equal this cookie's), so no other site can sign a browser in.
    static var formCookieName: String { "ricochet_sign_in" }

    let accounts: S
    let sessions: DashboardSessions<S>
    let page: DashboardPage
    var throttle: SignInThrottle<S> { SignInThrottle(store: accounts) }

    /// Checked when the email address is unknown, so that an answer takes as
    /// long as for a known one.
    static var decoy: String {
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    }

    func addRoutes(to router: Router<APIRequestContext>, signedIn: RouterGroup<APIRequestContext>) {
        router.get("/", use: home)
        router.get("sign-in", use: form)
        router.post("sign-in", use: signIn)
        signedIn.post("sign-out", use: signOut)
    }

    @Sendable func home(_ request: Request, context: APIRequestContext) async throws -> Response {
        DashboardPage.redirect(to: try await sessions.current(request) == nil ? "/sign-in" : "/loops")
    }

    @Sendable func form(_ request: Request, context: APIRequestContext) async throws -> Response {
        if try await sessions.current(request) != nil { return DashboardPage.redirect(to: "/loops") }
        return formPage(next: Self.safeNext(request.uri.queryParameters["next"].map(String.init)), error: nil)
    }

    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        var request = request
        let form = try await FormBody.read(&request)
        let next = Self.safeNext(form["next"])
        guard let expected = request.cookies[Self.formCookieName]?.value,
            DashboardSessions<S>.sameToken(form["csrf"], expected)
        else {
            return formPage(next: next, error: "The sign-in form had expired; enter the key again.")
        }
        let account: Account
        switch try await authenticate(form) {
        case .success(let found):
            account = found
        case .failure(let refusal):
            var response = formPage(next: next, error: refusal.message, email: form["email"])
            response.status = refusal.status
            return response
        }
        let (_, token) = try await sessions.start(for: account)
        context.logger.info("dashboard sign-in", metadata: ["account": "\(account.id)"])
        var response = DashboardPage.redirect(to: next)
        response.setCookie(sessions.cookie(for: token))
        response.setCookie(expiredFormCookie)
        return response
    }

    @Sendable func signOut(_ request: Request, context: APIRequestContext) async throws -> Response {
        if let session = context.dashboard { try await sessions.end(session) }
        var response = DashboardPage.redirect(to: "/sign-in")
        response.setCookie(sessions.expiredCookie())
        return response
    }

    struct Refusal: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    /// The account the form's key or email address and password belong to.
    private func authenticate(_ form: FormBody) async throws -> Result<Account, Refusal> {
        let key = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if form["with"] == "key" || (!key.isEmpty && form["email"] == nil) {
            guard key.hasPrefix(APIKey.prefix), key.count <= 128,
                let account = try await accounts.account(keyHash: APIKey.hash(of: key))
            else {
                return .failure(
                    Refusal(
                        status: .unauthorized,
                        message: "That is not an API key of this installation. Keys start with \(APIKey.prefix)."))
            }
            return .success(account)
        }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        guard !email.isEmpty, !password.isEmpty, email.count <= 254 else {
            return .failure(Refusal(status: .badRequest, message: "Give your email address and password."))
        }
        guard try await throttle.allows(email) else {
            return .failure(
                Refusal(
                    status: .tooManyRequests,
                    message: "Too many wrong passwords for this address; try again in 15 minutes."))
        }
        let user = try await accounts.user(email: email)
        let stored = user?.passwordHash ?? Self.decoy
        // scrypt takes tens of milliseconds: off the event loop.
        let matches = try await NIOThreadPool.singleton.runIfActive { PasswordHash.verify(password, against: stored) }
        guard let user, matches else {
            try await throttle.failed(email)
            return .failure(Refusal(status: .unauthorized, message: "That email address and password do not match."))
        }
        try await throttle.succeeded(email)
        return .success(user.account)
    }

    private func formPage(next: String, error: String?, email: String? = nil) -> Response {
        let token = RandomToken.base62(length: 32)
        var data: [String: Any] = ["csrf": token, "next": next, "email": email ?? ""]
        if let error { data["error"] = error }
        var response = page.render("sign-in", title: "Sign in", data: data, session: nil)
        response.setCookie(
            Cookie(
                name: Self.formCookieName, value: token, maxAge: 3600, path: "/sign-in",
                secure: sessions.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    private var expiredFormCookie: Cookie {
        Cookie(
            name: Self.formCookieName, value: "", maxAge: 0, path: "/sign-in", secure: sessions.secureCookies,
            httpOnly: true, sameSite: .strict)
    }

    /// Where to go after signing in: a path of this site, never another site.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count <= 2000,
            !next.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return "/loops" }
        return next
    }
}
