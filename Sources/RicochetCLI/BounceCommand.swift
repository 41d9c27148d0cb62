import ArgumentParser
import Foundation
import RicochetCore
import RicochetMail

/// `ricochet bounce …`: bounce mail from the command line.
struct BounceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounce",
        abstract: "Read bounce, abuse-report and auto-reply mail.",
        subcommands: [BounceParse.self]
    )
}

/// `ricochet bounce parse FILE... --json`: what each mail reports.
struct BounceParse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print what each mail file reports: its kind, and per recipient the status and reason.",
        discussion: """
            With --json, one JSON object per file, one per line:
            {"file", "kind": "dsn"|"arf"|"autoreply"|"bounce"|"not-bounce",
             "recipients": [{"address", "action", "status", "code", "diagnostic", "reason", "hard"}],
             "message": the Ricochet message the mail is about (from the returned
                        message's X-Ricochet-Message header), or null}
            A file that cannot be read is reported on standard error and the exit
            status is 1; the other files are still read.
            """
    )

    @Argument(help: "Mail files (RFC 5322, as received).")
    var files: [String]

    @Flag(name: .long, help: "One JSON object per file and line.")
    var json = false

    /// Larger files are refused: the SMTP receiver takes no more either.
    static let maximumFileBytes = 50 * 1024 * 1024

    func run() async throws {
        var failed = false
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try Self.read(file)
            } catch {
                FileHandle.standardError.write(Data("ricochet: \(file): \(error)\n".utf8))
                failed = true
                continue
            }
            let message = MIMEPart(bytes)
            let report = BounceAnalyzer.analyze(message)
            let matched = BounceMatch.messageHeader(in: report)
            print(
                json ? Self.json(file: file, report: report, message: matched) : Self.text(file: file, report: report))
        }
        if failed { throw ExitCode(1) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("cannot open the file")
        }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data()
        guard data.count <= maximumFileBytes else {
            throw ValidationError("larger than \(maximumFileBytes / 1024 / 1024) MiB")
        }
        return Array(data)
    }

    static func json(file: String, report: BounceReport, message: MessageID?) -> String {
        let recipients: [PayloadValue] = report.recipients.map { recipient in
            .object([
                "address": .string(recipient.address), "action": .string(recipient.action),
                "status": recipient.status.map(PayloadValue.string) ?? .null,
                "code": recipient.code.map { .integer(Int64($0)) } ?? .null,
                "diagnostic": .string(recipient.diagnostic), "reason": .string(recipient.reason.rawValue),
                "hard": .bool(recipient.hard),
            ])
        }
        return JSONPayloadEncoder.encode(
            .object([
                "file": .string(file), "kind": .string(report.kind.rawValue), "recipients": .list(recipients),
                "message": message.map { .string($0.description) } ?? .null,
            ]))
    }

    static func text(file: String, report: BounceReport) -> String {
        var lines = ["\(file): \(report.kind.rawValue)"]
        for recipient in report.recipients {
            let status = recipient.status ?? "-"
            let code = recipient.code.map(String.init) ?? "-"
            lines.append(
                "  \(recipient.address) \(recipient.action.isEmpty ? "-" : recipient.action) \(status) \(code) "
                    + "\(recipient.reason.rawValue) \(recipient.hard ? "hard" : "soft"): \(recipient.diagnostic)")
        }
        return lines.joined(separator: "\n")
    }
}
