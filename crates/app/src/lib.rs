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
            let prefix = shouwang_domain::i18n::t(lang, "cli.error_prefix");
            eprintln!("{prefix}: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use shouwang_domain::{Lang, i18n};

    /// Every `"cli.…"` key the command line names has a text of its own in
    /// both languages (`crates/domain/locales/cli.*.yml`).
    #[test]
    fn every_cli_key_has_both_texts() {
        fn scan(dir: &std::path::Path, named: &mut usize) {
            for entry in std::fs::read_dir(dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    scan(&path, named);
                    continue;
                }
                let code = std::fs::read_to_string(&path).expect("source");
                for literal in code.split('"').skip(1).step_by(2) {
                    let is_key = literal.starts_with("cli.")
                        && literal
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
                    if is_key && !literal.ends_with('.') {
                        *named += 1;
                        for lang in [Lang::Zh, Lang::En] {
                            assert!(i18n::has(lang, literal), "{}: {literal} has no {lang:?} text", path.display());
                        }
                    }
                }
            }
        }
        let mut named = 0;
        scan(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut named);
        assert!(named > 60, "only {named} keys found: is the scan broken?");
    }
}
