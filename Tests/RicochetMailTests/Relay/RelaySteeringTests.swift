import Testing

@testable import RicochetMail

@Suite("Relay steering fields")
struct RelaySteeringTests {
    @Test("tags from every X-Ricochet-Tags field, profile, subprofile and the tracking asked for")
    func read() throws {
        let message = try SubmittedMessage(
            RelayFixture.mail(
                """
                From: a@b.example
                X-Ricochet-Tags: may, sale
                x-ricochet-tags: , vip
                X-Ricochet-Profile: prf_1
                X-Ricochet-Subprofile: sub_2
                X-Ricochet-Track: Opens

                body
                """))
        #expect(
            try RelaySteering(message)
                == RelaySteering(tags: ["may", "sale", "vip"], profile: "prf_1", subprofile: "sub_2", tracking: .opens))
        #expect(try RelaySteering(try SubmittedMessage(RelayFixture.mail("From: a@b.example\n\nx"))).tracking == .all)
    }

    @Test(
        "an unknown tracking value or a profile given twice is refused",
        arguments: [
            "X-Ricochet-Track: sometimes", "X-Ricochet-Profile: a\nX-Ricochet-Profile: b", "X-Ricochet-Profile:",
        ])
    func refused(_ field: String) throws {
        let message = try SubmittedMessage(RelayFixture.mail("From: a@b.example\n\(field)\n\nx"))
        #expect(throws: MIMERefusal.self) { _ = try RelaySteering(message) }
    }
}
