import Foundation
import Logging
import NIOSSL
import RicochetCore
import RicochetMail
import RicochetStore

/// The submission listener (RFC 6409): applications authenticate with
/// username `apikey` and one of their account's API keys, each recipient
/// is checked against the account's suppression list at RCPT
/// (``RelayRecipientCheck``), and each message they submit is stored with
/// its copies before the 250.
func submissionListener<
    S: RelayQueueStore & RecordingStore & AccountStore & SignInFailureStore
>(
    _ relay: RelayConfiguration, hostname: String, bounceDomain: String, tls: NIOSSLContext?, store: S,
    recorder: EventRecorder<S>, logger: Logger, metrics: ServerMetrics = .none, queued: @escaping @Sendable () -> Void,
    bound: @escaping @Sendable (Int) -> Void
) -> SMTPServer {
    var session = SMTPSession.Configuration(hostname: hostname) { SubmissionAddress.isValid($0) }
    session.submission = SMTPSession.Submission(authenticationInClear: relay.authenticationInClear)
    session.maximumRecipients = relay.maximumRecipients
    session.maximumMessageBytes = relay.maximumMessageBytes
    var configuration = SMTPServer.Configuration(
        host: relay.submission.host, port: relay.submission.port, session: session)
    configuration.tls = tls
    configuration.option = "--submission"
    configuration.name = "SMTP submission"
    configuration.sessions = metrics.submissionSessions
    // Applications hold connections open and send fast; far fewer than
    // the receiver's mail servers, though.
    configuration.maximumConnections = 200
    let intake = RelayIntake(store: store, bounceDomain: bounceDomain, expiry: relay.expiry)
    let authenticator = SubmissionAuthenticator(store: store, logger: logger)
    let recipients = RelayRecipientCheck(store: store, recorder: recorder, bounceDomain: bounceDomain, logger: logger)
    return SMTPServer(
        configuration: configuration, logger: logger, onBound: { bound($0) },
        authenticator: { await authenticator.check(username: $0, password: $1, address: $2) },
        recipientCheck: { await recipients.check($0, account: $1.identity) }
    ) { envelope, client in
        guard let account = client.identity else {
            throw SMTPRefusal(SMTPReply(530, "5.7.0", "Authentication required"))
        }
        do {
            let id = try await intake.accept(envelope, account: account, now: Date())
            metrics.relay.accepted(1)
            queued()
            return id
        } catch let refusal as RelayIntake<S>.Refusal {
            throw SMTPRefusal(SMTPReply(refusal.code, refusal.enhanced, refusal.reason))
        }
    }
}

/// Checks AUTH on the submission listener: username `apikey` (any case), an
/// API key as the password. Wrong credentials count towards a lockout of
/// the client's address, kept in the database (so it holds on every node):
/// ten within fifteen minutes, and that address may not try again until
/// they have passed.
struct SubmissionAuthenticator<S: AccountStore & SignInFailureStore>: Sendable {
    static var username: String { "apikey" }

    let store: S
    let logger: Logger

    func check(username: String, password: String, address: String?) async -> SMTPSession.AuthenticationOutcome {
        let throttle = SignInThrottle(store: store)
        // Counted with the dashboard's sign-in failures, under a name no email has.
        let key = "smtp-auth " + (address ?? "unknown")
        do {
            guard try await throttle.allows(key) else { return .lockedOut }
            guard username.lowercased() == Self.username, password.hasPrefix(APIKey.prefix), password.count <= 128,
                let account = try await store.account(keyHash: APIKey.hash(of: password))
            else {
                try await throttle.failed(key)
                logger.notice("SMTP authentication failed", metadata: ["address": "\(address ?? "unknown")"])
                return .refused
            }
            try await throttle.succeeded(key)
            return .accepted(identity: account.id)
        } catch {
            logger.error("checking SMTP credentials failed", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }
}

/// What the submission listener takes as a recipient: `local@domain`, in
/// ASCII (SMTPUTF8 is not offered), the domain a host name or an address
/// literal, within RFC 5321's lengths.
enum SubmissionAddress {
    static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254, let at = address.lastIndex(of: "@") else { return false }
        let local = address[..<at]
        let domain = String(address[address.index(after: at)...])
        guard !local.isEmpty, local.utf8.count <= 64,
            local.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != "<" && $0 != ">" })
        else { return false }
        if domain.hasPrefix("["), domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            return !literal.isEmpty && literal.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
        }
        return DKIMKey.isHostName(domain.lowercased())
    }
}
