import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension OutboundClient {
    /// Turns whatever the HTTP stack threw into a stable kind and a sentence.
    func classify(_ error: any Error, url: String, timeout: Duration) -> (OutboundError.Kind, String) {
        let target = Self.authority(of: url)
        switch error {
        case is DeadlineExceeded:
            return (.timeout, "no complete answer from \(target) within \(timeout.formatted)")
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return (.timeout, "no complete answer from \(target) within \(timeout.formatted)")
            case .connectTimeout, .httpProxyHandshakeTimeout:
                return (.timeout, "connecting to \(target) timed out")
            case .tlsHandshakeTimeout:
                return (.timeout, "the TLS handshake with \(target) timed out")
            case .invalidProxyResponse:
                if let failure = egressGuard?.failure(for: target) {
                    let kind: OutboundError.Kind =
                        switch failure.kind {
                        case .dns: .dns
                        case .refusedAddress: .refusedAddress
                        case .connect: .connect
                        case .timeout: .timeout
                        }
                    return (kind, failure.message)
                }
                return (.connect, "cannot connect to \(target)")
            case .remoteConnectionClosed:
                return (.connect, "\(target) closed the connection without a complete answer")
            case .invalidURL, .emptyHost, .emptyScheme:
                return (.http, "invalid URL \(url)")
            default:
                return (.http, "request to \(target) failed: \(error)")
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return (.dns, "cannot resolve \(error.host)")
            }
            let reasons = error.connectionErrors.map { "\($0.target.ipAddress ?? "?"): \(Self.describe($0.error))" }
            return (.connect, "cannot connect to \(target) (\(reasons.joined(separator: "; ")))")
        case let error as IOError:
            return (.connect, "cannot connect to \(target): \(Self.describe(error))")
        case ChannelError.connectTimeout:
            return (.timeout, "connecting to \(target) timed out")
        case let error as NIOSSLError:
            return (.tls, "TLS with \(target) failed: \(error)")
        case let error as BoringSSLError:
            return (.tls, "TLS with \(target) failed: \(error)")
        case let error as NIOSSLExtraError:
            return (.tls, "TLS with \(target) failed: \(error)")
        case is HTTPParserError:
            return (.http, "\(target) did not answer with valid HTTP")
        default:
            return (.connect, "request to \(target) failed: \(error)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH: return "host unreachable"
            case ENETUNREACH: return "network unreachable"
            default: return String(cString: strerror(error.errnoCode))
            }
        }
        return "\(error)"
    }

    /// `host:port` of a URL, as the egress guard keys its refusals.
    static func authority(of url: String) -> String {
        guard let components = URLComponents(string: url), var host = components.host else { return url }
        // An IPv6 literal's brackets belong to the URL, not to the address.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Duration {
    /// "15 s", "500 ms".
    var formatted: String {
        let milliseconds = self.milliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
