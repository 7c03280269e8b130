//! The `shouwang` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc: in a burst of 1,000 sign-ups glibc malloc took 15 % of the CPU
/// (see `crates/web/benches/signup_burst.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = shouwang::cli::Cli::parse();
    // The child reader of uploads runs without a runtime or telemetry: it caps
    // its own memory first, and every thread would count against the cap.
    if let shouwang::cli::Command::ParseRoster { kind, list, max_memory_mib, max_cpu_secs } = &cli.command {
        return match shouwang::commands::parse_roster(kind, list, *max_memory_mib, *max_cpu_secs) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{e:#}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let verbose = matches!(cli.command, shouwang::cli::Command::Serve(_) | shouwang::cli::Command::Demo(_));
    shouwang::telemetry::init(verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    runtime.block_on(shouwang::run(cli))
}
