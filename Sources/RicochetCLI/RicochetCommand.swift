import ArgumentParser
import RicochetCore

/// `ricochet`: the one binary.
public struct RicochetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ricochet",
        abstract: "Self-hosted email feedback loops: captures what happens to sent email and POSTs it to your servers.",
        version: Ricochet.version,
        subcommands: [
            Serve.self, Listen.self, AccountCommand.self, UserCommand.self, KeysCommand.self, BounceCommand.self,
            CopyCommand.self, DKIMCommand.self, BackupCommand.self,
        ]
    )

    public init() {}
}
