import Foundation
import Testing

@testable import RicochetCore

@Suite("SuppressionPolicy")
struct SuppressionPolicyTests {
    let settings = SuppressionSettings(softBounceLimit: 3, softBounceDays: 10)

    @Test("hard bounces, complaints and unsubscribes suppress at once, each with its reason")
    func atOnce() {
        #expect(
            SuppressionPolicy.decide(.hardBounce, inForce: false, softBounces: 0, settings: settings)
                == .suppress(.hardBounce))
        #expect(
            SuppressionPolicy.decide(.complaint, inForce: false, softBounces: 0, settings: settings)
                == .suppress(.complaint))
        #expect(
            SuppressionPolicy.decide(.unsubscribe, inForce: false, softBounces: 0, settings: settings)
                == .suppress(.unsubscribe))
    }

    @Test("soft bounces are counted until the account's limit, which suppresses as a hard bounce")
    func softBounces() {
        #expect(
            SuppressionPolicy.decide(.softBounce, inForce: false, softBounces: 1, settings: settings)
                == .countSoftBounce)
        #expect(
            SuppressionPolicy.decide(.softBounce, inForce: false, softBounces: 2, settings: settings)
                == .countSoftBounce)
        #expect(
            SuppressionPolicy.decide(.softBounce, inForce: false, softBounces: 3, settings: settings)
                == .suppress(.hardBounce))
        #expect(
            SuppressionPolicy.decide(.softBounce, inForce: false, softBounces: 5, settings: .defaults)
                == .suppress(.hardBounce), "5 in 15 days by default")
        #expect(
            SuppressionPolicy.decide(.softBounce, inForce: false, softBounces: 4, settings: .defaults)
                == .countSoftBounce)
    }

    @Test("an address with an entry in force keeps it: nothing is written, nothing counted")
    func inForce() {
        for signal in [SuppressionSignal.hardBounce, .softBounce, .complaint, .unsubscribe] {
            #expect(SuppressionPolicy.decide(signal, inForce: true, softBounces: 99, settings: settings) == .none)
        }
    }

    @Test("the window starts the account's days before now")
    func window() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(SuppressionPolicy.windowStart(at: now, settings: settings) == now.addingTimeInterval(-864_000))
    }
}
