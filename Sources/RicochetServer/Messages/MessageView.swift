import Hummingbird
import RicochetCore
import RicochetStore

/// A registered message as the API answers it: the instrumented parts to send
/// and the envelope to send them with.
struct MessageView: ResponseEncodable {
    struct Link: Encodable {
        let index: Int
        let kind: String
        let url: String
        let tags: [String]
    }

    let id: String
    let recipient: String
    let profile: String?
    let subprofile: String?
    let tags: [String]
    let html: String?
    let text: String?
    let returnPath: String
    let headers: [String: String]
    let links: [Link]
    /// The copy the relay sends, for a message that came through it.
    let relay: RelayCopyView?
    /// The recipient's suppression entry, when the account only warns of one.
    var suppressed: SuppressionView?

    enum CodingKeys: String, CodingKey {
        case id, recipient, profile, subprofile, tags, html, text, headers, links, relay, suppressed
        case returnPath = "return_path"
    }

    /// `unsubscribe`: the `List-Unsubscribe` fields to send the message
    /// with (none for a message the relay sends, which adds them itself).
    init(
        _ message: Message, html: String?, text: String?, returnPath: String, relay: RelayCopy? = nil,
        unsubscribe: [(name: String, value: String)] = []
    ) {
        id = message.id.description
        recipient = message.recipient
        profile = message.profileID
        subprofile = message.subprofileID
        tags = message.tags
        self.html = html
        self.text = text
        self.returnPath = returnPath
        var headers = ["X-Ricochet-Message": message.id.description]
        headers["Message-ID"] = message.messageIDHeader?.description
        for field in unsubscribe { headers[field.name] = field.value }
        self.headers = headers
        links = message.links.map {
            Link(index: $0.index, kind: $0.kind == .click ? "click" : "image", url: $0.url, tags: $0.tags)
        }
        self.relay = relay.map(RelayCopyView.init)
    }
}

struct MessageBatchView: ResponseEncodable {
    /// An item of the request not registered: its recipient is suppressed.
    struct Refused: Encodable {
        let index: Int
        let recipient: String
        let error: Problem

        struct Problem: Encodable {
            let code: String
            let message: String
            let suppression: SuppressionView
        }

        init(index: Int, recipient: String, suppression: StoredSuppression) {
            self.index = index
            self.recipient = recipient
            error = Problem(
                code: SuppressionCheck.code, message: SuppressionCheck.message(recipient, suppression),
                suppression: SuppressionView(suppression))
        }

        var payload: PayloadValue {
            [
                "index": .integer(Int64(index)), "recipient": .string(recipient),
                "error": [
                    "code": .string(error.code), "message": .string(error.message),
                    "suppression": error.suppression.payload,
                ],
            ]
        }
    }

    /// The registered messages, in the order of the request.
    let messages: [MessageView]
    /// The items refused, by their place in the request.
    let refused: [Refused]
}
