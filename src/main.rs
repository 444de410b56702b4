fn main() -> std::process::ExitCode {
    scimspec::cli::main()
}
