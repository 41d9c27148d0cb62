import NIOCore
import NIOPosix
import RicochetCLI

@main
struct Main {
    static func main() async {
        // Async work runs on the server's event loops rather than a separate
        // pool: a tracked hit then needs no thread switch between reading the
        // request, recording and answering. Blocking calls (SQLite, DNS) run
        // on their own thread pool, never on these threads.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await RicochetCommand.main()
    }
}
