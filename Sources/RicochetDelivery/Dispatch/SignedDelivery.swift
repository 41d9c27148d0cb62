import RicochetCore

/// The headers of a delivery request: its content type and the Standard
/// Webhooks signature with every current secret of the loop.
enum SignedDelivery {
    static func headers(
        webhookID: String, format: PayloadFormat, body: [UInt8], secrets: [WebhookSecret], timestamp: Int64,
        userAgent: String
    ) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", format.contentType + (format == .json ? "; charset=utf-8" : "")),
            ("User-Agent", userAgent),
            (StandardWebhooks.idHeader, webhookID),
            (StandardWebhooks.timestampHeader, String(timestamp)),
        ]
        if !secrets.isEmpty {
            headers.append(
                (
                    StandardWebhooks.signatureHeader,
                    StandardWebhooks.signatures(secrets: secrets, id: webhookID, timestamp: timestamp, body: body)
                ))
        }
        return headers
    }
}
