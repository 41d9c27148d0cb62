import ArgumentParser
import Crypto
import Foundation
import RicochetCore
import RicochetDelivery
import RicochetServer

/// `ricochet listen`: a stand-in receiver for developers.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive feedback-loop calls locally: print each one and whether its signatures verify.",
        discussion: """
            Point a loop at http://127.0.0.1:PORT/anything, give the loop's validation file with
            --validation-file so it can be validated, and watch the calls arrive. Each signature a call
            carries is checked: Standard Webhooks with --secret, its v1a with --public-key, and HTTP
            Message Signatures (RFC 9421) and the classic Signature header with --keys-url (your
            Ricochet's /.well-known/ricochet-keys).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on (default 127.0.0.1:9000).", valueName: "host:port"))
    var http: String?

    @Option(name: .long, help: "Port to listen on, on 127.0.0.1 (instead of --http).")
    var port: Int?

    @Option(name: .long, help: ArgumentHelp("The loop's signing secret.", valueName: "whsec_…"))
    var secret: String?

    @Option(
        name: .customLong("keys-url"), help: "Where Ricochet publishes its keys: https://HOST/.well-known/ricochet-keys"
    )
    var keysURL: String?

    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp("The loop's Ed25519 public key, for its v1a signatures.", valueName: "whpk_…"))
    var publicKey: String?

    @Option(
        name: .customLong("validation-file"),
        help: ArgumentHelp("A validation file to serve, NAME:CONTENT; repeat for several.", valueName: "name:content"))
    var validationFiles: [String] = []

    @Option(name: .long, help: "The status every call is answered with (default 200), to try retries.")
    var status: Int = 200

    func validate() throws {
        if let secret, WebhookSecret(secret) == nil {
            throw ValidationError("--secret must be a loop secret such as whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        }
        if let publicKey, Self.loopPublicKey(publicKey) == nil {
            throw ValidationError("--public-key must be a loop's ed25519_public_key, whpk_ and 44 base64 characters")
        }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
        if port != nil, http != nil { throw ValidationError("give --http or --port, not both") }
        guard (200...599).contains(status) else { throw ValidationError("--status must be between 200 and 599") }
        if let keysURL, !(keysURL.hasPrefix("http://") || keysURL.hasPrefix("https://")) {
            throw ValidationError("--keys-url must be an http or https URL")
        }
        for file in validationFiles {
            let parts = file.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("/") else {
                throw ValidationError("--validation-file must be NAME:CONTENT, not '\(file)'")
            }
        }
    }

    static func loopPublicKey(_ text: String) -> Curve25519.Signing.PublicKey? {
        guard text.hasPrefix("whpk_"), let raw = Data(base64Encoded: String(text.dropFirst(5))) else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    func run() async throws {
        var configuration = ListenerConfiguration()
        if let port {
            configuration.port = port
        } else {
            let address = try ListenAddress(http ?? "127.0.0.1:9000", option: "--http")
            configuration.host = address.host
            configuration.port = address.port
        }
        configuration.secret = secret.flatMap(WebhookSecret.init)
        configuration.keysURL = keysURL
        configuration.publicKey = publicKey.flatMap(Self.loopPublicKey)
        configuration.status = status
        for file in validationFiles {
            let parts = file.split(separator: ":", maxSplits: 1)
            configuration.validationFiles[String(parts[0])] = String(parts[1])
        }
        let client = OutboundClient(egressGuard: nil)
        let app = buildListener(configuration, client: client) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        do {
            try await app.runService()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }
}
