//! The `boxctl` binary; everything is in the library (`boxctl::main`).

fn main() -> std::process::ExitCode {
    boxctl::main()
}
