//! The `shouwang` program as a library: command dispatch, configuration,
//! telemetry and the demo data. `main.rs` only parses and calls [`run`].

pub mod accounts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod telemetry;

use std::process::ExitCode;

use shouwang_domain::Lang;

/// Runs one command; errors are printed in the chosen language.
pub async fn run(cli: cli::Cli) -> ExitCode {
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    match commands::dispatch(cli, lang).await {
        Ok(code) => code,
        Err(e) => {
            let prefix = lang.pick("错误", "error");
            eprintln!("{prefix}: {e:#}");
            ExitCode::from(2)
        }
    }
}
