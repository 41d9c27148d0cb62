import Foundation
import NIOCore

/// A listener that could not start, said in one line: where, for which
/// option, and why (`cannot listen on 127.0.0.1:8080 (--http): address
/// already in use`).
public struct ListenError: Error, CustomStringConvertible, Sendable {
    public let address: String
    public let option: String
    public let reason: String

    public var description: String { "cannot listen on \(address) (\(option)): \(reason)" }

    init(host: String, port: Int, option: String, error: any Error) {
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.option = option
        reason = Self.reason(error)
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as IOError:
            let text = String(cString: strerror(error.errnoCode))
            return text.prefix(1).lowercased() + text.dropFirst()
        case let error as SocketAddressError:
            if case .unknown(let host, _) = error { return "cannot resolve '\(host)'" }
            return "not an address: \(error)"
        default:
            return "\(error)"
        }
    }
}
