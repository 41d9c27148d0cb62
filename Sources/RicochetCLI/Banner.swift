import Foundation
import Logging
import RicochetServer

/// What `ricochet serve` prints on standard output once it listens.
enum Banner {
    static func print(_ ready: ServerReady, json: Bool = false, node: String = "") {
        guard !json else { return printJSON(ready, node: node) }
        var lines = [
            "Ricochet is running.",
            "  API:        \(ready.publicURL)/api/v1   (described at \(ready.publicURL)/api/v1/openapi.yaml)",
            "  Dashboard:  \(ready.publicURL)/",
        ]
        if let smtp = ready.smtpPort { lines.append("  SMTP:       returned mail on port \(smtp)") }
        if let submission = ready.submissionPort {
            lines.append("  Relay:      submission (AUTH as apikey) on port \(submission)")
            if ready.submissionAuthInClear {
                lines.append(
                    "  Warning:    AUTH is offered without TLS (--submission-auth-in-clear): API keys cross the network in the clear"
                )
            }
        }
        if let metrics = ready.metricsPort {
            lines.append("  Metrics:    Prometheus at /metrics on port \(metrics)")
        }
        if let first = ready.firstAccount {
            lines += [
                "",
                "A new database: created the account '\(first.accountName)'. Its API key, shown only this once:",
                "",
                "  \(first.apiKey)",
                "",
                "Use it as 'Authorization: Bearer \(first.apiKey)'. More accounts: ricochet account create --name NAME",
            ]
        }
        // Written straight to the file descriptor: stdout may be a pipe, and
        // a buffered banner would not show until much later.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The banner as one log line of `--log-format json`, on standard output
    /// as the text banner is.
    static func printJSON(_ ready: ServerReady, node: String) {
        var metadata: Logger.Metadata = [
            "node": "\(node)", "api": "\(ready.publicURL)/api/v1", "openapi": "\(ready.publicURL)/api/v1/openapi.yaml",
            "dashboard": "\(ready.publicURL)/",
        ]
        if let smtp = ready.smtpPort { metadata["smtp_port"] = "\(smtp)" }
        if let submission = ready.submissionPort {
            metadata["submission_port"] = "\(submission)"
            if ready.submissionAuthInClear {
                metadata["warning"] = "AUTH is offered without TLS (--submission-auth-in-clear)"
            }
        }
        if let metrics = ready.metricsPort { metadata["metrics_port"] = "\(metrics)" }
        if let first = ready.firstAccount {
            metadata["account"] = "\(first.accountName)"
            metadata["api_key"] = "\(first.apiKey)"
        }
        let line = JSONLogHandler.line(
            time: Date(), level: .notice, message: "Ricochet is running", label: "ricochet", metadata: metadata)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
