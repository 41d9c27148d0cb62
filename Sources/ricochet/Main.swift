import RicochetCLI

@main
struct Main {
    static func main() async {
        await RicochetCommand.main()
    }
}
