//! The `shouwang` binary: parse the command line and hand over to the library.

use clap::Parser;

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
