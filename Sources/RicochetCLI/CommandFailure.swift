/// A command that cannot do what it was asked, for a reason of the data, not
/// of its flags: printed as one line (`Error: …`), exit status 1, no usage.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
