import Foundation
import Testing

@testable import RicochetCore

@Suite("Password hashes")
struct PasswordHashTests {
    @Test("scrypt with a random salt: the password verifies, others and damaged hashes do not")
    func roundTrip() async throws {
        try await Self.onThreadOfItsOwn { try Self.checkRoundTrip() }
    }

    /// scrypt is built to take long; run here on the tests' few cooperative
    /// threads it would stall every other test (and their timeouts) meanwhile.
    static func onThreadOfItsOwn(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func checkRoundTrip() throws {
        let stored = try PasswordHash.make("correct horse battery staple")
        #expect(stored.hasPrefix("scrypt$15$8$1$"))
        #expect(try PasswordHash.make("correct horse battery staple") != stored, "a new salt every time")
        #expect(PasswordHash.verify("correct horse battery staple", against: stored))
        #expect(!PasswordHash.verify("correct horse battery stapl", against: stored))
        #expect(
            !PasswordHash.verify(
                "correct horse battery staple", against: stored.replacingOccurrences(of: "$15$", with: "$14$")))
        for damaged in ["", "scrypt", "scrypt$15$8$1$x$y", "bcrypt$15$8$1$AA==$AA==", "scrypt$40$8$1$AAAA$AAAA"] {
            #expect(!PasswordHash.verify("anything at all", against: damaged), "\(damaged)")
        }
    }

    @Test("too short and too long passwords are refused with a reason")
    func limits() {
        #expect(throws: PasswordHash.Problem.tooShort) { try PasswordHash.make("short") }
        #expect(throws: PasswordHash.Problem.tooLong) {
            try PasswordHash.make(String(repeating: "x", count: PasswordHash.maximumLength + 1))
        }
    }
}
