import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import RicochetCore
import RicochetSQLite
import RicochetStore
import Testing

@testable import RicochetServer

@Suite("Dashboard sessions and forms")
struct DashboardTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the server carries the repository's templates, stylesheet and script (scripts/embed-dashboard)")
    func embedded() throws {
        let folder = Self.repository.appendingPathComponent("Dashboard")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("templates").path)
            .filter { $0.hasSuffix(".mustache") }
        #expect(Set(files.map { String($0.dropLast(".mustache".count)) }) == Set(DashboardAssets.templates.keys))
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent("templates/" + file), encoding: .utf8)
            #expect(DashboardAssets.templates[String(file.dropLast(".mustache".count))] == text, "\(file)")
        }
        #expect(
            DashboardAssets.stylesheet
                == (try String(contentsOf: folder.appendingPathComponent("dashboard.css"), encoding: .utf8)))
        #expect(
            DashboardAssets.script
                == (try String(contentsOf: folder.appendingPathComponent("dashboard.js"), encoding: .utf8)))
        _ = DashboardAssets.library
    }

    @Test("every page names the node that served it, as --node-name set it")
    func nodeName() async throws {
        try await Harness.run(configure: { $0.node = .current(name: "node-b") }) { api, _ in
            let page = try await api.call(.get, "/sign-in", key: nil)
            #expect(page.status == .ok)
            #expect(page.body.contains("· node node-b ·"))
        }
    }

    @Test("after signing in, only a path of this site: never another site")
    func nextPage() {
        #expect(SignInController<SQLiteStoreStandIn>.safeNext("/loops/loop_x") == "/loops/loop_x")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "loops", nil, "/a\nb"] {
            #expect(SignInController<SQLiteStoreStandIn>.safeNext(hostile) == "/loops", "\(hostile ?? "nil")")
        }
    }

    @Test("signing in needs the form's own cookie and a key; the session cookie is HttpOnly, SameSite=Lax")
    func signIn() async throws {
        try await Harness.run { api, tenants in
            let page = try await api.call(.get, "/loops/new", key: nil)
            #expect(page.status == .seeOther && page.headers[.location] == "/sign-in?next=%2Floops%2Fnew")
            let form = try await api.call(.get, "/sign-in", key: nil)
            let formCookie = try #require(Self.cookie(form.headers, "ricochet_sign_in"))
            let token = try #require(Self.field("csrf", in: form.body))
            // Without the form's cookie (a form posted from another site): refused, no session.
            let forged = try await api.form("/sign-in", "csrf=\(token)&key=\(tenants.alice)")
            #expect(Self.cookie(forged.headers, "ricochet_session") == nil)
            #expect(forged.body.contains("expired"))
            let wrong = try await api.form(
                "/sign-in", "csrf=\(token)&key=rk_nope", cookie: "ricochet_sign_in=\(formCookie)")
            #expect(wrong.status == .unauthorized && Self.cookie(wrong.headers, "ricochet_session") == nil)
            let signedIn = try await api.form(
                "/sign-in", "csrf=\(token)&key=\(tenants.alice)&next=%2Floops%2Fnew",
                cookie: "ricochet_sign_in=\(formCookie)")
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/loops/new")
            let setCookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("ricochet_session=") } ?? ""
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"), "plain http here; Secure only behind https")
        }
    }

    @Test("a form without the session's token changes nothing (403); another account's loop is not found")
    func forms() async throws {
        try await Harness.run { api, tenants in
            let alice = try await api.signIn(tenants.alice)
            let list = try await api.call(.get, "/loops", key: nil, headers: [.cookie: alice.cookie])
            #expect(list.status == .ok && list.body.contains("No feedback loops yet"))
            #expect(list.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            let forged = try await api.form(
                "/loops", "csrf=wrong&url=https%3A%2F%2Fexample.com%2Fhook&events=open", cookie: alice.cookie)
            #expect(forged.status == .forbidden)
            let created = try await api.form(
                "/loops", "csrf=\(alice.csrf)&url=https%3A%2F%2Fexample.com%2Fhook&events=open&format=json",
                cookie: alice.cookie)
            #expect(created.status == .created && created.body.contains("whsec_"))
            let bad = try await api.form(
                "/loops", "csrf=\(alice.csrf)&url=ftp%3A%2F%2Fx&events=open", cookie: alice.cookie)
            #expect(bad.status == .badRequest && bad.body.contains("id=\"url-error\""))
            let loops = try await api.call(.get, "/api/v1/loops", key: tenants.alice).json["loops"] as? [[String: Any]]
            #expect(loops?.count == 1, "the forged form created nothing")
            let id = try #require(loops?.first?["id"] as? String)
            let bob = try await api.signIn(tenants.bob)
            let other = try await api.call(.get, "/loops/\(id)", key: nil, headers: [.cookie: bob.cookie])
            #expect(other.status == .notFound && other.body.contains("Not found"))
            let out = try await api.form("/sign-out", "csrf=\(alice.csrf)", cookie: alice.cookie)
            #expect(out.status == .seeOther && out.headers[.location] == "/sign-in")
            let after = try await api.call(.get, "/loops", key: nil, headers: [.cookie: alice.cookie])
            #expect(after.status == .seeOther, "the session ended on the server, not only in the browser")
        }
    }

    @Test("a user of ricochet user create signs in with the password, not with another")
    func password() async throws {
        let path = try Harness.database()
        try await Harness.run(database: path) { api, tenants in
            let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
            do {
                let account = try #require(try await store.accounts().first)
                // scrypt off the tests' cooperative threads, which it would hold for its whole run.
                let hash = try await NIOThreadPool.singleton.runIfActive {
                    try PasswordHash.make("correct horse battery staple")
                }
                _ = try await store.createUser(
                    email: "ops@example.com", account: account.id, passwordHash: hash, now: Date())
                await #expect(throws: StoreError.conflict) {
                    _ = try await store.createUser(
                        email: "OPS@example.com", account: account.id, passwordHash: "x", now: Date())
                }
            } catch {
                Issue.record("a write failed: \(error)")
            }
            await store.close()
            func attempt(_ password: String) async throws -> API.Answer {
                let form = try await api.call(.get, "/sign-in", key: nil)
                let cookie = try #require(Self.cookie(form.headers, "ricochet_sign_in"))
                let token = try #require(Self.field("csrf", in: form.body))
                return try await api.form(
                    "/sign-in", "csrf=\(token)&with=password&email=Ops%40example.com&password=\(password)",
                    cookie: "ricochet_sign_in=\(cookie)")
            }
            let right = try await attempt("correct+horse+battery+staple")
            #expect(right.status == .seeOther && Self.cookie(right.headers, "ricochet_session") != nil)
            let wrong = try await attempt("wrong+horse+battery+staple")
            #expect(wrong.status == .unauthorized && wrong.body.contains("do not match"))
        }
    }

    @Test("ten wrong passwords for an address lock it for fifteen minutes, on every node; a right one clears the count")
    func throttle() async throws {
        let path = try Harness.database()
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        // Two nodes' throttles over one database count together.
        let throttle = SignInThrottle(store: store)
        let other = SignInThrottle(store: store)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<SignInThrottle<SQLiteStore>.maximumFailures {
            #expect(try await throttle.allows("Ops@example.com", now: start))
            try await (index % 2 == 0 ? throttle : other).failed("ops@example.com", now: start)
        }
        #expect(try await !other.allows("OPS@example.com", now: start.addingTimeInterval(60)))
        #expect(try await throttle.allows("other@example.com", now: start.addingTimeInterval(60)))
        #expect(
            try await throttle.allows(
                "ops@example.com", now: start.addingTimeInterval(SignInThrottle<SQLiteStore>.window + 1)))
        try await throttle.failed("x@example.com", now: start)
        try await throttle.succeeded("X@example.com")
        for _ in 0..<SignInThrottle<SQLiteStore>.maximumFailures - 1 {
            try await throttle.failed("x@example.com", now: start)
        }
        #expect(try await throttle.allows("x@example.com", now: start), "the count started again after the success")
        await store.close()
    }

    @Test("behind https the session cookie is Secure too")
    func secureCookie() async throws {
        try await Harness.run(configure: { $0.publicURL = try? PublicURL("https://feedback.example.com") }) {
            api, tenants in
            let form = try await api.call(.get, "/sign-in", key: nil)
            let cookie = try #require(Self.cookie(form.headers, "ricochet_sign_in"))
            #expect(form.headers[values: .setCookie].first?.contains("Secure") == true)
            let token = try #require(Self.field("csrf", in: form.body))
            let answer = try await api.form(
                "/sign-in", "csrf=\(token)&key=\(tenants.alice)", cookie: "ricochet_sign_in=\(cookie)")
            let session = answer.headers[values: .setCookie].first { $0.hasPrefix("ricochet_session=") } ?? ""
            #expect(session.contains("Secure") && session.contains("HttpOnly") && session.contains("SameSite=Lax"))
        }
    }

    @Test("a session ends when it expires: the store no longer knows it, and pruning removes it")
    func expiry() async throws {
        let path = try Harness.database()
        _ = try await Harness.tenants(in: path)
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let account = try #require(try await store.accounts().first)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.insertSession(
            DashboardSession(
                tokenHash: "h", account: account, csrfToken: "c", createdAt: start,
                expiresAt: start.addingTimeInterval(DashboardSessions<SQLiteStore>.lifetime)))
        #expect(try await store.session(tokenHash: "h", now: start.addingTimeInterval(3600))?.account == account)
        #expect(try await store.session(tokenHash: "h", now: start.addingTimeInterval(13 * 3600)) == nil)
        #expect(try await store.pruneSessions(now: start.addingTimeInterval(13 * 3600)) == 1)
        await store.close()
    }

    @Test("a chart is SVG of numbers and escaped labels: bars for totals, their machine part, a line for uniques")
    func chart() {
        let chart = StatisticsChart(
            title: "open <&>",
            points: [
                .init(label: "<b>", counts: .init(total: 4, unique: 2, machine: 1)),
                .init(label: "x", counts: .init(total: 0, unique: 0, machine: 0)),
            ])
        let svg = chart.svg
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("&lt;b&gt;") && !svg.contains("<b>") && svg.contains("open &lt;&amp;&gt;: 4 in all"))
        #expect(svg.components(separatedBy: "class=\"human\"").count - 1 == 1, "no bar for an empty period")
        #expect(svg.components(separatedBy: "class=\"machine\"").count - 1 == 1)
        #expect(svg.contains("<polyline class=\"unique\""))
    }

    @Test("the statistics page and its CSV need a session; a bad range is said in words")
    func statistics() async throws {
        try await Harness.run { api, tenants in
            #expect(try await api.call(.get, "/statistics.csv", key: nil).status == .seeOther)
            let alice = try await api.signIn(tenants.alice)
            let csv = try await api.call(
                .get, "/statistics.csv?interval=day", key: nil, headers: [.cookie: alice.cookie])
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.first == "period_start,type,total,unique,human,machine")
            #expect(lines.count == 1 + 30 * 7, "30 days by default, seven types each")
            let bad = try await api.call(
                .get, "/statistics?from=2026-05-02&to=2026-05-01", key: nil, headers: [.cookie: alice.cookie])
            #expect(bad.status == .badRequest && bad.body.contains("The start must not come after the end."))
        }
    }

    static func cookie(_ headers: HTTPFields, _ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
            .flatMap { $0.isEmpty ? nil : $0 }
    }

    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// Names a store type for the static helpers that do not touch one.
typealias SQLiteStoreStandIn = RicochetSQLite.SQLiteStore

extension API {
    /// Posts a form as a browser does.
    func form(_ path: String, _ body: String, cookie: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            Answer(
                status: $0.status, headers: $0.headers, body: String(buffer: $0.body),
                bytes: Array($0.body.readableBytesView))
        }
    }

    /// Signs in with `key` through the form; returns the session cookie and the session's form token.
    func signIn(_ key: String) async throws -> (cookie: String, csrf: String) {
        let form = try await call(.get, "/sign-in", key: nil)
        let formCookie = try #require(DashboardTests.cookie(form.headers, "ricochet_sign_in"))
        let token = try #require(DashboardTests.field("csrf", in: form.body))
        let answer = try await self.form(
            "/sign-in", "csrf=\(token)&key=\(key)", cookie: "ricochet_sign_in=\(formCookie)")
        let session = try #require(DashboardTests.cookie(answer.headers, "ricochet_session"))
        let page = try await call(.get, "/loops", key: nil, headers: [.cookie: "ricochet_session=\(session)"])
        return ("ricochet_session=\(session)", try #require(DashboardTests.field("csrf", in: page.body)))
    }
}

extension DashboardTests {
    @Test("the suppression list page adds and removes by form (token checked), searches, and downloads CSV")
    func suppressionPage() async throws {
        try await Harness.run { api, tenants in
            let alice = try await api.signIn(tenants.alice)
            #expect(try await api.call(.get, "/suppressions", key: nil).status == .seeOther, "a session is needed")
            let forged = try await api.form("/suppressions", "csrf=wrong&address=x%40example.org", cookie: alice.cookie)
            #expect(forged.status == .forbidden)
            let bad = try await api.form(
                "/suppressions", "csrf=\(alice.csrf)&address=not+an+address", cookie: alice.cookie)
            #expect(bad.status == .badRequest && bad.body.contains("is not an email address"))
            let added = try await api.form(
                "/suppressions", "csrf=\(alice.csrf)&address=X%40Example.org&expires=2099-01-01", cookie: alice.cookie)
            #expect(added.status == .ok && added.body.contains("x@example.org is on the list now."))
            let entry = try await api.call(.get, "/api/v1/suppressions/x@example.org", key: tenants.alice)
            #expect(entry.json["reason"] as? String == "manual")
            #expect(entry.json["expires_at"] as? String == "2099-01-01T00:00:00Z")
            let found = try await api.call(
                .get, "/suppressions?address=X%40EXAMPLE.org", key: nil, headers: [.cookie: alice.cookie])
            #expect(found.body.contains("<td>x@example.org"))
            let missing = try await api.call(
                .get, "/suppressions?address=y%40example.org", key: nil, headers: [.cookie: alice.cookie])
            #expect(missing.body.contains("No entry for y@example.org."))
            let csv = try await api.call(.get, "/suppressions.csv", key: nil, headers: [.cookie: alice.cookie])
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.body.hasPrefix("address,reason,created_at,expires_at,event\r\nx@example.org,manual,"))
            let removed = try await api.form(
                "/suppressions/remove", "csrf=\(alice.csrf)&address=x%40example.org", cookie: alice.cookie)
            #expect(removed.body.contains("is off the list"))
            #expect(try await api.events(key: tenants.alice, query: "?type=suppression.delete").count == 1)
        }
    }
}
