import Foundation
import RicochetCore
import RicochetMail
import RicochetStore

/// Takes one submitted message for the relay: checks it, registers a
/// message for each recipient as the messages API does, and queues a copy
/// for each — all durable when ``accept(_:account:now:)`` returns, so the
/// listener answers 250 only then.
struct RelayIntake<Store: RelayQueueStore & ProfileStore & SubprofileStore>: Sendable {
    let store: Store
    let bounceDomain: String
    /// How long a copy is tried before it fails (`--relay-expire-hours`).
    let expiry: TimeInterval
    /// Submissions of concurrent connections share a transaction.
    private let commits: RelayGroupCommit<Store>

    init(store: Store, bounceDomain: String, expiry: TimeInterval) {
        self.store = store
        self.bounceDomain = bounceDomain
        self.expiry = expiry
        commits = RelayGroupCommit(store: store)
    }

    /// Why a submission is refused, as the SMTP reply says it.
    struct Refusal: Error, Equatable {
        let code: Int
        let enhanced: String
        let reason: String
    }

    /// Stores the submission and its copies; returns the submission's id.
    func accept(_ envelope: SMTPEnvelope, account: Account.ID, now: Date) async throws -> String {
        let (message, steering, links) = try read(envelope.data, now: now)
        if let problem = MessageInput.tagProblem(steering.tags) {
            throw Refusal(code: 554, enhanced: "5.6.0", reason: "X-Ricochet-Tags: \(problem)")
        }
        let profile = try await checkedProfile(steering, account: account)
        let ownHeader = message.root.field("Message-ID").flatMap { MessageIDHeader($0) }
        let submission = RelaySubmission(
            accountID: account, mailFrom: envelope.mailFrom, receivedAt: now, data: envelope.data)
        var messages: [Message] = []
        var copies: [RelayCopy] = []
        for recipient in envelope.rcptTo {
            let id = MessageID.generate()
            messages.append(
                Message(
                    id: id, accountID: account, recipient: recipient, tags: MessageInput.unique(steering.tags),
                    links: links,
                    createdAt: Date(milliseconds: now.milliseconds), profileID: profile,
                    subprofileID: steering.subprofile,
                    messageIDHeader: ownHeader ?? .assigned(to: id, domain: bounceDomain)))
            copies.append(
                RelayCopy(
                    submissionID: submission.id, accountID: account, messageID: id, recipient: recipient, dueAt: now,
                    expiresAt: now.addingTimeInterval(expiry), updatedAt: now))
        }
        try await commits.accept(RelayAcceptance(submission: submission, messages: messages, copies: copies))
        return submission.id
    }

    /// The message, its steering fields and its links, which are the same in
    /// every copy: found once here, so that a message that cannot be tracked
    /// is refused before its 250.
    private func read(_ data: [UInt8], now: Date) throws(Refusal) -> (SubmittedMessage, RelaySteering, [TrackedLink]) {
        do {
            let message = try SubmittedMessage(data)
            let steering = try RelaySteering(message)
            let probe = MessageID.generate()
            let copy = try RelayCopyMaker.copy(
                of: message, steering: steering, messageID: probe,
                assignedHeader: .assigned(to: probe, domain: bounceDomain), date: now,
                tracking: .init(url: { _ in "https://relay.invalid/" }, pixelURL: "https://relay.invalid/"))
            return (message, steering, copy.links)
        } catch {
            throw Refusal(code: 554, enhanced: "5.6.0", reason: error.reason)
        }
    }

    /// The profile the copies are of: the one named, or the owner of the
    /// subprofile named; both must be the account's and agree.
    private func checkedProfile(_ steering: RelaySteering, account: Account.ID) async throws -> String? {
        let profiles = try await store.profiles(steering.profile.map { [$0] } ?? [])
        let subprofiles = try await store.subprofiles(steering.subprofile.map { [$0] } ?? [])
        if let problem = ProfileReference.problem(
            profile: steering.profile, subprofile: steering.subprofile, account: account, profiles: profiles,
            subprofiles: subprofiles)
        {
            let field = problem.isSubprofile ? "X-Ricochet-Subprofile" : "X-Ricochet-Profile"
            throw Refusal(code: 550, enhanced: "5.7.1", reason: "\(field): \(problem.description)")
        }
        return steering.profile ?? steering.subprofile.flatMap { subprofiles[$0]?.profileID }
    }
}
