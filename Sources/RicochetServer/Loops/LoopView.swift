import Foundation
import Hummingbird
import RicochetCore

/// A feedback loop as the API shows it.
struct LoopView: ResponseEncodable {
    struct Validation: Encodable {
        let filename: String
        let content: String
        /// Where the file is looked for, in order.
        let urls: [String]
        /// Where to download it from this API.
        let download: String
    }

    let id: String
    let url: String
    let events: [String]
    let format: String
    let description: String
    let status: String
    let validation: Validation
    let validatedAt: Date?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, url, events, format, description, status, validation
        case validatedAt = "validated_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ loop: FeedbackLoop) {
        id = loop.id
        url = loop.url.absoluteString
        events = loop.events.sorted().map(\.rawValue)
        format = loop.format.rawValue
        description = loop.description
        status = loop.status.rawValue
        validation = Validation(
            filename: loop.validationFile.filename,
            content: loop.validationFile.content,
            urls: loop.validationURLs,
            download: "/api/v1/loops/\(loop.id)/validation-file"
        )
        validatedAt = loop.validatedAt
        createdAt = loop.createdAt
        updatedAt = loop.updatedAt
    }
}

struct LoopListView: ResponseEncodable {
    let loops: [LoopView]
}
