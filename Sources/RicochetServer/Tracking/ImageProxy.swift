import Foundation
import Logging
import RicochetDelivery
import RicochetStore

/// Serves a message's remote images from a cache: each is fetched once from
/// the sender's server (under the outbound address rules), checked to be an
/// image of reasonable size, stored, and served from then on.
actor ImageProxy<Images: ImageCacheStore> {
    static var maximumBytes: Int { 5 * 1024 * 1024 }
    /// Raster formats only: an SVG served from this origin could carry script.
    static var acceptedTypes: Set<String> {
        [
            "image/gif", "image/png", "image/jpeg", "image/webp", "image/avif", "image/bmp", "image/x-icon",
            "image/vnd.microsoft.icon",
        ]
    }

    private let store: Images
    private let client: OutboundClient
    private let logger: Logger
    private var inFlight: [String: Task<CachedImage?, Never>] = [:]
    /// Images that could not be had, and when: not asked for again for a
    /// while, so a flood of opens never becomes a flood on the sender's server.
    private var failures: [String: ContinuousClock.Instant] = [:]
    static var retryAfterFailure: Duration { .seconds(300) }
    static var rememberedFailures: Int { 10_000 }

    init(store: Images, client: OutboundClient, logger: Logger) {
        self.store = store
        self.client = client
        self.logger = logger
    }

    /// The image at `url`, or nil when it cannot be had (the caller serves a
    /// transparent pixel instead).
    func image(at url: String) async -> CachedImage? {
        if let cached = try? await store.cachedImage(url: url) { return cached }
        if let running = inFlight[url] { return await running.value }
        if let failed = failures[url], ContinuousClock.now - failed < Self.retryAfterFailure { return nil }
        let task = Task { await fetch(url) }
        inFlight[url] = task
        let image = await task.value
        inFlight[url] = nil
        if image == nil {
            if failures.count >= Self.rememberedFailures { failures.removeAll(keepingCapacity: true) }
            failures[url] = ContinuousClock.now
        } else {
            failures[url] = nil
        }
        return image
    }

    private func fetch(_ url: String) async -> CachedImage? {
        let response: OutboundResponse
        do {
            response = try await client.send(
                OutboundRequest(
                    method: .get, url: url, headers: [(name: "Accept", value: "image/*")], timeout: .seconds(10),
                    maximumBodyBytes: Self.maximumBytes + 1))
        } catch {
            logger.notice("image not fetched", metadata: ["url": "\(url)", "error": "\(error.message)"])
            return nil
        }
        let type =
            response.header("Content-Type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard response.status == 200, !response.truncated, Self.acceptedTypes.contains(type) else {
            logger.notice(
                "image refused", metadata: ["url": "\(url)", "status": "\(response.status)", "type": "\(type)"])
            return nil
        }
        let image = CachedImage(url: url, contentType: type, body: response.body, fetchedAt: Date())
        do {
            try await store.cache(image)
        } catch {
            logger.warning("image not cached", metadata: ["url": "\(url)", "error": "\(error)"])
        }
        return image
    }
}
