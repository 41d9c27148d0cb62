import Foundation
import Hummingbird
import RicochetStore

/// Lets only signed-in browsers through: without a current session a page
/// redirects to the sign-in form (coming back afterwards). A form must be
/// form-encoded and carry the session's CSRF token, else 403; it is read
/// here once and handed on in the context. Errors become pages that say
/// what went wrong, in words.
struct DashboardAuthenticator<Sessions: DashboardSessionStore>: RouterMiddleware {
    typealias Context = APIRequestContext

    let sessions: DashboardSessions<Sessions>
    let page: DashboardPage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let session = try await sessions.current(request) else {
            guard request.method == .get else { return DashboardPage.redirect(to: "/sign-in") }
            let back = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return DashboardPage.redirect(
                to: "/sign-in?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        }
        var context = context
        context.dashboard = session
        var request = request
        if request.method == .post {
            let form = try await FormBody.read(&request)
            guard DashboardSessions<Sessions>.sameToken(form["csrf"], session.csrfToken) else {
                return page.message(
                    "Form expired",
                    "This form is out of date or did not come from this dashboard. Go back, reload the page and send it again.",
                    session: session, status: .forbidden)
            }
            context.form = form
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return page.message(
                error.status == .notFound ? "Not found" : "That did not work", DashboardPage.sentence(error.message),
                session: session, status: error.status)
        } catch let error as HTTPError {
            return page.message(
                error.status.reasonPhrase, DashboardPage.sentence(error.body ?? error.status.reasonPhrase),
                session: session,
                status: error.status)
        } catch {
            context.logger.error("dashboard page failed", metadata: ["error": "\(error)"])
            return page.message(
                "Something went wrong", "The page could not be made; the server's log says why. Try again in a moment.",
                session: session, status: .internalServerError)
        }
    }

}
