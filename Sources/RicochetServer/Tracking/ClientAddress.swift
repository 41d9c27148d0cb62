import HTTPTypes
import RicochetCore

/// Who made a request: the peer's address, or, when the peer is a proxy the
/// configuration trusts, the last address in `X-Forwarded-For` that is not
/// one of those proxies. An untrusted peer cannot claim another address.
/// It is truncated as `--ip-truncation` says before anything keeps it.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>
    var truncation = IPTruncation.none

    func address(of headers: HTTPFields, peer: String?) -> String {
        truncation.apply(untruncated(of: headers, peer: peer))
    }

    private func untruncated(of headers: HTTPFields, peer: String?) -> String {
        guard let peer else { return "" }
        guard trustedProxies.contains(peer) else { return peer }
        let hops = headers[values: .xForwardedFor].joined(separator: ",")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last { !trustedProxies.contains($0) } ?? hops.first ?? peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
