//! The `shouwang` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc: in a burst of 1,000 sign-ups glibc malloc took 15 % of the CPU
/// (see `crates/web/benches/signup_burst.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = shouwang::cli::Cli::parse();
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
