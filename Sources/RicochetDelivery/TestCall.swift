import Foundation
import RicochetCore

/// Sends a one-off POST to a loop's URL and reports the answer: the test tool
/// and "check now".
public struct TestCall: Sendable {
    let client: OutboundClient
    let timeout: Duration

    /// How much of the receiver's answer is kept and shown.
    public static let maximumResponseBytes = 64 * 1024

    public init(client: OutboundClient, timeout: Duration = .seconds(15)) {
        self.client = client
        self.timeout = timeout
    }

    /// POSTs `body` to the loop, signed like a delivery (its webhook-id a
    /// fresh `test_…`). The caller makes sure the loop is validated.
    public func send(
        _ body: [UInt8], contentType: String, to loop: FeedbackLoop, signing: LoopSigning, userAgent: String
    ) async throws(OutboundError) -> OutboundResponse {
        let headers =
            signing.headers(
                for: loop, webhookID: "test_" + RandomToken.base32(length: 16), body: body, contentType: contentType,
                now: Date(), userAgent: userAgent) + [
                (name: "X-Ricochet-Loop", value: loop.id), (name: "X-Ricochet-Test", value: "1"),
            ]
        return try await client.send(
            OutboundRequest(
                method: .post,
                url: loop.url.absoluteString,
                headers: headers,
                body: body,
                timeout: timeout,
                maximumBodyBytes: Self.maximumResponseBytes
            )
        )
    }

    /// The harmless call of "check now": `type=test` with an id and the time,
    /// in the loop's format.
    public static func checkPayload(now: Date) -> PayloadValue {
        [
            "id": .string("test_" + RandomToken.base32(length: 16)),
            "type": "test",
            "timestamp": .string(EventTimestamp.timestamp(now)),
            "time": .integer(EventTimestamp.time(now)),
        ]
    }
}
