//! Logs to stderr (stdout stays free for `--json` output): human-readable by
//! default, JSON lines with `SHOUWANG_LOG_FORMAT=json`; filter with `RUST_LOG`.
//! Phone and ID numbers are never logged: their types print masked.

use tracing_subscriber::EnvFilter;

/// `verbose`: the server logs at info; one-shot commands only warn, so
/// their own output stays readable.
pub fn init(verbose: bool) {
    let default = if verbose { "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn" } else { "warn,sqlx=error" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = std::env::var("SHOUWANG_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.compact().try_init() };
    if let Err(e) = result {
        eprintln!("logging not initialised: {e}");
    }
}
