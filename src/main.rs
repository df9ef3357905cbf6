fn main() -> std::process::ExitCode {
    modeldeck::cli::main()
}
