import Foundation
import RicochetCore

/// One recipient's copy as the relay sends it: its text tracked as the
/// application asked (links, images, the open pixel), the steering fields
/// gone, `X-Ricochet-Message` added, `List-Unsubscribe` and
/// `List-Unsubscribe-Post` added unless the application set its own or
/// turned them off, and `Message-ID` and `Date` added when the application
/// left them out (RFC 6409 §8 lets a submission server).
public enum RelayCopyMaker {
    public struct Copy: Sendable {
        public let bytes: [UInt8]
        /// Every link and remote image found, in order; those of a kind not
        /// tracked are listed but left as they were.
        public let links: [TrackedLink]
    }

    /// How a copy's URLs are made: the tracked URL of each link or image,
    /// and the pixel's.
    public struct Tracking {
        public let url: (TrackedLink) -> String
        public let pixelURL: String

        public init(url: @escaping (TrackedLink) -> String, pixelURL: String) {
            self.url = url
            self.pixelURL = pixelURL
        }
    }

    public static func copy(
        of message: SubmittedMessage, steering: RelaySteering, messageID: MessageID,
        assignedHeader: MessageIDHeader, date: Date, tracking: Tracking,
        unsubscribe: [(name: String, value: String)] = []
    ) throws(MIMERefusal) -> Copy {
        var adding = [(name: "X-Ricochet-Message", value: messageID.description)]
        if steering.unsubscribe, message.root.field("List-Unsubscribe") == nil { adding += unsubscribe }
        if message.root.field("Message-ID") == nil {
            adding.append((name: "Message-ID", value: assignedHeader.description))
        }
        if message.root.field("Date") == nil { adding.append((name: "Date", value: rfc5322(date))) }
        let edit = TrackedCopy.HeaderEdit(
            removing: RelaySteering.fieldNames.union(["x-ricochet-message"]), adding: adding)
        var links: [TrackedLink] = []
        let mode = steering.tracking
        let rewrite: ((TrackedCopy.TextKind, String) -> String?)? =
            mode == .off
            ? nil
            : { kind, text in
                func url(_ link: TrackedLink) -> String {
                    let tracked = link.kind == .click ? mode.clicks : mode.opens
                    return tracked ? tracking.url(link) : link.url
                }
                switch kind {
                case .html:
                    let result = HTMLInstrumenter.instrument(
                        text, startingAt: links.count, pixelURL: mode.opens ? tracking.pixelURL : nil, rewrite: url)
                    links += result.links
                    return result.html
                case .plain:
                    guard mode.clicks else { return nil }
                    let result = TextInstrumenter.instrument(text, startingAt: links.count, rewrite: url)
                    links += result.links
                    return result.text
                }
            }
        let bytes = try TrackedCopy.make(from: message, header: edit, rewrite: rewrite)
        return Copy(bytes: bytes, links: links)
    }

    /// `Wed, 02 Dec 2026 10:00:00 +0000`, in UTC, by arithmetic as the
    /// payload timestamps are (a DateFormatter made for each copy cost more
    /// than the rest of its header).
    static func rfc5322(_ date: Date) -> String {
        let seconds = EventTimestamp.time(date)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let time = seconds - days * 86400
        let (year, month, day) = EventTimestamp.civil(fromDays: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(day)) \(months[Int(month) - 1]) \(year) \(two(time / 3600)):\(two(time / 60 % 60)):"
            + "\(two(time % 60)) +0000"
    }
}
