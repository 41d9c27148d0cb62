import Foundation

/// AUTH PLAIN and LOGIN (RFC 4954, RFC 4616): the session reads the
/// credentials, the connection handler checks them.
extension SMTPSession {
    /// Where an AUTH exchange is.
    enum AuthenticationStep: Sendable, Equatable {
        /// Waiting for PLAIN's one response.
        case plain
        /// Waiting for LOGIN's username.
        case loginUsername
        case loginPassword(username: String)
    }

    /// What the handler found the credentials to be.
    public enum AuthenticationOutcome: Sendable, Equatable {
        /// Good; the identity is kept for the session (an account's id).
        case accepted(identity: String)
        case refused
        /// Too many wrong credentials from this address of late.
        case lockedOut
        /// They could not be checked now (the database is away).
        case unavailable
    }

    /// AUTH is offered to a submission client under TLS, or in the clear
    /// when the policy allows it.
    var offersAuthentication: Bool {
        guard let submission = configuration.submission else { return false }
        return secure || submission.authenticationInClear
    }

    mutating func authenticate(_ line: SMTPCommandLine) -> [Action] {
        guard configuration.submission != nil else {
            return refuse(SMTPReply(502, "5.5.1", "Command not implemented"))
        }
        guard case .ready = state, helo != nil else {
            return refuse(
                SMTPReply(
                    503, "5.5.1", helo == nil ? "Send EHLO first" : "AUTH is not allowed during a mail transaction"))
        }
        guard identity == nil else { return refuse(SMTPReply(503, "5.5.1", "Already authenticated")) }
        guard offersAuthentication else {
            return refuse(SMTPReply(538, "5.7.11", "Encryption required: send STARTTLS first"))
        }
        let words = line.argument.split(separator: " ", omittingEmptySubsequences: true)
        guard let mechanism = words.first?.uppercased(), words.count <= 2 else {
            return refuse(SMTPReply(501, "5.5.4", "Syntax: AUTH PLAIN|LOGIN [initial-response]"))
        }
        let initial = words.count == 2 ? Array(words[1].utf8)[...] : nil
        switch mechanism {
        case "PLAIN":
            guard let initial else {
                state = .authenticating(.plain)
                return [.reply(SMTPReply(334, nil, ""))]
            }
            return continueAuthentication(.plain, with: initial)
        case "LOGIN":
            guard let initial else {
                state = .authenticating(.loginUsername)
                return [.reply(SMTPReply(334, nil, "VXNlcm5hbWU6"))]
            }
            return continueAuthentication(.loginUsername, with: initial)
        default:
            return refuse(SMTPReply(504, "5.5.4", "Unrecognized authentication mechanism; use PLAIN or LOGIN"))
        }
    }

    /// One response of the client to a challenge (or its initial response).
    mutating func continueAuthentication(_ step: AuthenticationStep, with line: ArraySlice<UInt8>) -> [Action] {
        state = .ready
        if line.count == 1, line.first == UInt8(ascii: "*") {
            return refuse(SMTPReply(501, "5.0.0", "Authentication cancelled"))
        }
        // "=" is an empty initial response (RFC 4954 §4).
        let decoded =
            line.count == 1 && line.first == UInt8(ascii: "=")
            ? [] : Data(base64Encoded: Data(line)).map(Array.init)
        guard let decoded, let text = String(validating: decoded, as: UTF8.self) else {
            return refuse(SMTPReply(501, "5.5.2", "Cannot decode the response (base64 of UTF-8 expected)"))
        }
        switch step {
        case .plain:
            // authzid NUL authcid NUL password; an authzid other than the
            // user itself is not supported.
            let pieces = text.split(separator: "\0", omittingEmptySubsequences: false)
            guard pieces.count == 3, !pieces[1].isEmpty, pieces[0].isEmpty || pieces[0] == pieces[1] else {
                return refuse(SMTPReply(501, "5.5.2", "Malformed PLAIN response"))
            }
            state = .checkingCredentials
            return [.authenticate(username: String(pieces[1]), password: String(pieces[2]))]
        case .loginUsername:
            guard !text.isEmpty else { return refuse(SMTPReply(501, "5.5.2", "Empty username")) }
            state = .authenticating(.loginPassword(username: text))
            return [.reply(SMTPReply(334, nil, "UGFzc3dvcmQ6"))]
        case .loginPassword(let username):
            state = .checkingCredentials
            return [.authenticate(username: username, password: text)]
        }
    }

    /// The outcome of an ``Action/authenticate(username:password:)``.
    public mutating func authenticated(_ outcome: AuthenticationOutcome) -> [Action] {
        guard case .checkingCredentials = state else { return [] }
        state = .ready
        switch outcome {
        case .accepted(let identity):
            self.identity = identity
            return [.reply(SMTPReply(235, "2.7.0", "Authentication successful"))]
        case .refused:
            return refuse(SMTPReply(535, "5.7.8", "Authentication credentials invalid"))
        case .unavailable:
            return [.reply(SMTPReply(454, "4.7.0", "Temporary authentication failure; try again later"))]
        case .lockedOut:
            state = .closed
            return [
                .reply(SMTPReply(454, "4.7.0", "Too many failed authentications; try again later")), .close,
            ]
        }
    }
}
