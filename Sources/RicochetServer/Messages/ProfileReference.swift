import RicochetCore

/// A message's profile and subprofile as named by the sender (messages API
/// or relay): each must be the account's, and a subprofile must belong to
/// the profile named with it.
enum ProfileReference {
    enum Problem: Equatable {
        case unknownProfile(String)
        case unknownSubprofile(String)
        /// The subprofile, the profile it belongs to, the profile named.
        case otherProfile(String, owner: String, named: String)

        /// The problem in words, after the name of the field that said it.
        var description: String {
            switch self {
            case .unknownProfile(let id): "no profile \(id) in this account"
            case .unknownSubprofile(let id): "no subprofile \(id) in this account"
            case .otherProfile(let id, let owner, let named): "\(id) belongs to profile \(owner), not \(named)"
            }
        }

        /// Whether it concerns the subprofile rather than the profile.
        var isSubprofile: Bool {
            if case .unknownProfile = self { return false }
            return true
        }
    }

    static func problem(
        profile: String?, subprofile: String?, account: Account.ID, profiles: [String: Profile],
        subprofiles: [String: Subprofile]
    ) -> Problem? {
        if let id = profile, profiles[id]?.accountID != account { return .unknownProfile(id) }
        guard let id = subprofile else { return nil }
        guard let found = subprofiles[id], found.accountID == account else { return .unknownSubprofile(id) }
        if let profile, profile != found.profileID {
            return .otherProfile(id, owner: found.profileID, named: profile)
        }
        return nil
    }
}
