//! One function per subcommand.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use shouwang_db::import::ImportOptions;
use shouwang_db::registry;
use shouwang_db::{Db, DbError, DbOptions};
use shouwang_domain::i18n::{t, t_with};
use shouwang_domain::{IdHasher, Lang, RegionCode, RegionKind};
use shouwang_io::FileKind;
use shouwang_service::registry::{export_resident_file, import_resident_file};
use shouwang_web::{AppState, Application};

use crate::cli::{
    BlockCommand, Cli, Command, ExportCommand, ImportCommand, IncidentCommand, LedgerCommand, RegionCommand,
};
use crate::config::{Config, FileConfig};

/// Largest roster file accepted (calamine reads whole sheets into memory).
pub const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;

pub(crate) async fn dispatch(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Command::ParseRoster { kind, list, max_memory_mib, max_cpu_secs } = &cli.command {
        return parse_roster(kind, list, *max_memory_mib, *max_cpu_secs);
    }
    let file = FileConfig::load(cli.config.as_deref())?;
    let listen_flag = match &cli.command {
        Command::Serve(a) => a.listen.clone(),
        Command::Demo(a) => a.listen.clone(),
        _ => None,
    };
    let config = Config::resolve(file, cli.database_url, listen_flag, cli.id_hash_key, cli.id_hash_key_file)?;
    if let Command::Restore { from } = &cli.command {
        // Before `open`, which would create and migrate the target.
        return restore(&config.database_url, from, lang).await;
    }
    let db = open(&config, lang).await?;
    let result = match cli.command {
        Command::Migrate => {
            println!("{}", t(lang, "cli.migrated"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(_) => {
            let hasher = hasher(&config, &db).await?;
            serve(&config, db.clone(), hasher, lang).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let hasher = hasher(&config, &db).await?;
            let ctx = shouwang_service::Context::new(db.clone(), hasher.clone(), shouwang_domain::Clock::system());
            crate::demo::create(&ctx, lang).await?;
            if args.no_serve {
                Ok(ExitCode::SUCCESS)
            } else {
                serve(&config, db.clone(), hasher, lang).await.map(|()| ExitCode::SUCCESS)
            }
        }
        Command::Region(cmd) => region(&db, cmd, lang).await,
        Command::Block(cmd) => block(&db, cmd, lang).await,
        Command::Incident(cmd) => {
            // Incident commands hash no ID numbers: they need no key (and must not create one here).
            let hasher = IdHasher::new(b"incident commands hash no ID numbers");
            let ctx = shouwang_service::Context::new(db.clone(), hasher, shouwang_domain::Clock::system());
            incident(&ctx, cmd, config.incident_retention_days, lang).await
        }
        Command::Ledger(cmd) => {
            // Verifying hashes no ID numbers: no key needed (and none created here).
            let hasher = IdHasher::new(b"ledger commands hash no ID numbers");
            let ctx = shouwang_service::Context::new(db.clone(), hasher, shouwang_domain::Clock::system());
            ledger(&ctx, cmd, lang).await
        }
        Command::Import(ImportCommand::Residents(args)) => {
            let hasher = hasher(&config, &db).await?;
            import_residents(&db, &hasher, args, lang).await
        }
        Command::Export(ExportCommand::Residents(args)) => export_residents(&db, args, lang).await,
        Command::ParseRoster { .. } | Command::Restore { .. } => Ok(ExitCode::SUCCESS),
        Command::Backup { to } => backup(&db, &config.database_url, &to, lang).await,
        Command::User(cmd) => crate::accounts::user(&db, cmd, lang).await,
        Command::Token(cmd) => crate::accounts::token(&db, cmd, lang).await,
    };
    db.close().await;
    result
}

async fn backup(db: &Db, url: &str, to: &std::path::Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let report = shouwang_db::backup::backup(db, url, to).await.map_err(|e| anyhow!(backup_message(&e, lang)))?;
    println!(
        "{}",
        t_with(lang, "cli.backup.written", &[("path", &report.path.display()), ("kb", &report.bytes.div_ceil(1024))])
    );
    println!("{}", t(lang, "cli.backup.keep_apart"));
    Ok(ExitCode::SUCCESS)
}

async fn restore(url: &str, from: &std::path::Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let report = shouwang_db::backup::restore(url, from).await.map_err(|e| anyhow!(backup_message(&e, lang)))?;
    println!(
        "{}",
        t_with(lang, "cli.backup.restored", &[("path", &from.display()), ("kb", &report.bytes.div_ceil(1024))])
    );
    Ok(ExitCode::SUCCESS)
}

/// A backup refusal in the operator's language.
fn backup_message(e: &shouwang_db::backup::BackupError, lang: Lang) -> String {
    use shouwang_db::backup::BackupError as E;
    match e {
        E::TargetExists(p) => t_with(lang, "cli.backup.target_exists", &[("path", &p.display())]),
        E::Unreadable(p) => t_with(lang, "cli.backup.unreadable", &[("path", &p.display())]),
        E::WrongFormat(p) => t_with(lang, "cli.backup.wrong_format", &[("path", &p.display())]),
        E::NotEmpty(n) => t_with(lang, "cli.backup.not_empty", &[("tables", n)]),
        E::ToolMissing(tool) => t_with(lang, "cli.backup.tool_missing", &[("tool", tool)]),
        E::ToolFailed { tool, detail } => t_with(lang, "cli.backup.tool_failed", &[("tool", tool), ("detail", detail)]),
        E::Corrupt(v) => t_with(lang, "cli.backup.corrupt", &[("detail", v)]),
        E::UnsupportedUrl => t(lang, "cli.backup.unsupported_url"),
        E::Io(_) | E::Db(_) | E::Sql(_) => t_with(lang, "cli.backup.failed", &[("detail", e)]),
    }
}

/// The server's child reader of uploads: spreadsheet bytes on stdin, the
/// rows (or why the file cannot be read) as JSON on stdout. No database.
/// The limits are set on this process before a byte is read: a file that
/// unpacks to more than `max_memory_mib` ends it with an allocation failure
/// (the server tells the user the file is too big unpacked), one that reads
/// for longer than `max_cpu_secs` ends it with SIGXCPU.
pub fn parse_roster(
    kind: &str,
    list: &str,
    max_memory_mib: Option<u64>,
    max_cpu_secs: Option<u64>,
) -> anyhow::Result<ExitCode> {
    use std::io::Read;
    limit_self(max_memory_mib, max_cpu_secs)?;
    let kind = FileKind::parse(kind).ok_or_else(|| anyhow!("kind must be xlsx, xls or csv"))?;
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes)?;
    let mut out = std::io::stdout().lock();
    match list {
        "volunteers" => serde_json::to_writer(&mut out, &shouwang_io::read_volunteers(&bytes, kind))?,
        _ => serde_json::to_writer(&mut out, &shouwang_io::read_residents(&bytes, kind))?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Caps this process's address space and CPU time (soft = hard for memory;
/// the CPU hard limit one second later, so SIGXCPU comes first).
#[cfg(unix)]
fn limit_self(max_memory_mib: Option<u64>, max_cpu_secs: Option<u64>) -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, setrlimit};
    if let Some(mib) = max_memory_mib {
        let bytes = mib.saturating_mul(1024 * 1024);
        setrlimit(Resource::RLIMIT_AS, bytes, bytes).context("setrlimit RLIMIT_AS")?;
    }
    if let Some(secs) = max_cpu_secs {
        setrlimit(Resource::RLIMIT_CPU, secs, secs.saturating_add(1)).context("setrlimit RLIMIT_CPU")?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn limit_self(_max_memory_mib: Option<u64>, _max_cpu_secs: Option<u64>) -> anyhow::Result<()> {
    Ok(())
}

/// Connects and migrates (every command works on an up-to-date schema).
async fn open(config: &Config, lang: Lang) -> anyhow::Result<Db> {
    let options = DbOptions { durability: config.durability, ..DbOptions::default() };
    let db = Db::connect(&config.database_url, &options)
        .await
        .map_err(|e| anyhow!("{}: {}", db_error(&e, lang), redact_url(&config.database_url)))?;
    db.migrate().await.map_err(|e| anyhow!(t_with(lang, "cli.db.migration_failed", &[("error", &e)])))?;
    Ok(db)
}

/// Never print a database password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

fn db_error(e: &DbError, lang: Lang) -> String {
    match e {
        DbError::Db(_) | DbError::Sqlx(_) => t_with(lang, "cli.db.cannot_open", &[("error", e)]),
        _ => e.message(lang),
    }
}

async fn hasher(config: &Config, db: &Db) -> anyhow::Result<IdHasher> {
    let hasher = config.id_hasher()?;
    shouwang_db::id_key::check_id_key(db, &hasher)
        .await
        .map_err(|e| anyhow!(e.message(Lang::Zh) + " / " + &e.message(Lang::En)))?;
    Ok(hasher)
}

pub(crate) fn code(s: &str, lang: Lang) -> anyhow::Result<RegionCode> {
    RegionCode::parse(s).map_err(|_| anyhow!(t_with(lang, "cli.bad_code", &[("code", &s)])))
}

/// The user's message; for database failures the operator also sees the cause.
pub fn user_error(e: DbError, lang: Lang) -> anyhow::Error {
    match e {
        DbError::Db(_) | DbError::Sqlx(_) => anyhow!("{} ({e})", e.message(lang)),
        _ => anyhow!(e.message(lang)),
    }
}

async fn serve(config: &Config, db: Db, hasher: IdHasher, lang: Lang) -> anyhow::Result<()> {
    // Housekeeping: expired sessions go every hour (idempotent, so several instances may all run it).
    let housekeeping_db = db.clone();
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            match shouwang_db::accounts::purge_expired_sessions(&housekeeping_db).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
        }
    });
    let ctx = shouwang_service::Context::new(db, hasher, shouwang_domain::Clock::system());
    // Closed incidents past their retention are purged every hour (each by one instance).
    let purge_job = shouwang_service::incidents::spawn_purge_job(
        ctx.clone(),
        config.incident_retention_days,
        std::time::Duration::from_secs(3600),
    );
    let state = AppState::new(ctx, config.web.clone());
    // Kept uploads hold full ID and phone numbers: those past their preview's
    // hour go every quarter of an hour, on the service clock (idempotent,
    // so every instance may run it).
    let sweep_ctx = state.ctx.clone();
    tokio::spawn(async move {
        let mut every_quarter = tokio::time::interval(std::time::Duration::from_secs(15 * 60));
        loop {
            every_quarter.tick().await;
            match shouwang_service::registry::sweep_uploads(&sweep_ctx).await {
                Ok(n) if n > 0 => tracing::info!(uploads = n, "expired uploads swept"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
            }
        }
    });
    let app = Application::build(config.listen, state)
        .await
        .with_context(|| t_with(lang, "cli.serve.cannot_listen", &[("address", &config.listen)]))?;
    let addr = app.local_addr()?;
    announce(addr, lang);
    app.run_until_stopped(shutdown_signal()).await?;
    purge_job.abort();
    tracing::info!("stopped");
    Ok(())
}

fn announce(addr: SocketAddr, lang: Lang) {
    let url = format!("http://{addr}");
    let mut lines = vec![
        t_with(lang, "cli.serve.serving", &[("url", &url)]),
        format!("  {url}/api/v1/regions   {url}/api/v1/openapi.json   {url}/readyz"),
    ];
    lines.push(t(lang, "cli.serve.create_login"));
    if addr.ip().is_loopback() {
        lines.push(t(lang, "cli.serve.loopback_only"));
    }
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

async fn region(db: &Db, cmd: RegionCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match cmd {
        RegionCommand::Add { kind, code: c, name, parent } => {
            let kind = parse_kind(&kind, lang)?;
            let c = code(&c, lang)?;
            let parent = parent.map(|p| code(&p, lang)).transpose()?;
            let r =
                registry::add_region(db, kind, &c, &name, parent.as_ref()).await.map_err(|e| user_error(e, lang))?;
            println!(
                "{}",
                t_with(
                    lang,
                    "cli.region.created",
                    &[("kind", &kind.label(lang)), ("name", &r.name), ("code", &r.code)]
                )
            );
        }
        RegionCommand::Import { file } => {
            let text = std::fs::read(&file).with_context(|| format!("{}", file.display()))?;
            let text = decode_text(&text);
            let mut created = 0;
            for (i, line) in text.lines().enumerate() {
                let cols: Vec<&str> = line.split([',', '\t']).map(str::trim).collect();
                if cols.iter().all(|c| c.is_empty()) || (i == 0 && RegionKind::parse(cols[0]).is_none()) {
                    continue; // blank line or header row
                }
                let line_no = i + 1;
                let fail =
                    |msg: String| anyhow!(t_with(lang, "cli.region.line", &[("line", &line_no), ("message", &msg)]));
                if cols.len() < 3 {
                    return Err(fail(t(lang, "cli.region.columns")));
                }
                let kind = parse_kind(cols[0], lang).map_err(|e| fail(e.to_string()))?;
                let c = code(cols[1], lang).map_err(|e| fail(e.to_string()))?;
                if registry::find_region(&db.read, &c).await?.is_some() {
                    continue; // already there: importing the same file twice is harmless
                }
                let parent = cols
                    .get(3)
                    .filter(|p| !p.is_empty())
                    .map(|p| code(p, lang))
                    .transpose()
                    .map_err(|e| fail(e.to_string()))?;
                registry::add_region(db, kind, &c, cols[2], parent.as_ref())
                    .await
                    .map_err(|e| fail(e.message(lang)))?;
                created += 1;
            }
            println!("{}", t_with(lang, "cli.region.imported", &[("count", &created)]));
        }
        RegionCommand::SetContact { code: c, phone } => {
            let phone = phone.map(|p| shouwang_domain::text::normalize(&p)).filter(|p| !p.is_empty());
            if phone
                .as_ref()
                .is_some_and(|p| p.len() > 32 || !p.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c)))
            {
                bail!(t(lang, "cli.region.bad_phone"));
            }
            registry::set_contact_phone(db, &code(&c, lang)?, phone.as_deref())
                .await
                .map_err(|e| user_error(e, lang))?;
            println!("{}", t(lang, "cli.region.phone_updated"));
        }
        RegionCommand::List { under } => {
            let regions = match under {
                Some(u) => {
                    let parent =
                        registry::region_by_code(&db.read, &code(&u, lang)?).await.map_err(|e| user_error(e, lang))?;
                    registry::descendants(&db.read, &parent, None).await?
                }
                None => registry::roots(&db.read).await?,
            };
            for r in regions {
                let depth = r.path.matches('/').count().saturating_sub(2);
                let kind = RegionKind::parse(&r.kind).map_or(r.kind.as_str(), |k| k.label(lang));
                println!("{}{}  {}  [{}]", "  ".repeat(depth), r.code, r.name, kind);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_kind(s: &str, lang: Lang) -> anyhow::Result<RegionKind> {
    RegionKind::parse(s).ok_or_else(|| anyhow!(t_with(lang, "cli.region.bad_kind", &[("kind", &s)])))
}

/// UTF-8 (with or without BOM), else GB18030 as saved by Excel in China.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

async fn block(db: &Db, cmd: BlockCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let BlockCommand::Add { community, name, buildings } = cmd;
    let buildings = buildings.iter().map(|b| code(b, lang)).collect::<anyhow::Result<Vec<_>>>()?;
    let b =
        registry::add_block(db, &code(&community, lang)?, &name, &buildings).await.map_err(|e| user_error(e, lang))?;
    println!("{}", t_with(lang, "cli.block.created", &[("name", &b.name), ("count", &buildings.len())]));
    Ok(ExitCode::SUCCESS)
}

async fn incident(
    ctx: &shouwang_service::Context,
    cmd: IncidentCommand,
    retention: u32,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    use shouwang_service::incidents;
    let actor = shouwang_service::Actor { lang, ..shouwang_service::Actor::operator("cli") };
    let refused = |e: shouwang_service::Error| anyhow!(e.message(lang));
    match cmd {
        IncidentCommand::Open { region, name } => {
            let i = incidents::open(ctx, &actor, &region, &name).await.map_err(refused)?;
            println!("{}", t_with(lang, "cli.incident.opened", &[("name", &i.name), ("id", &i.id)]));
        }
        IncidentCommand::Close { id } => {
            let i = incidents::close(ctx, &actor, id).await.map_err(refused)?;
            println!("{}", t(lang, "cli.incident.closed"));
            let until = i.closed_at.map(|c| (c + time::Duration::days(i64::from(retention))).date().to_string());
            println!("{}", t_with(lang, "incident.cli.purge_after", &[("date", &until.unwrap_or_default())]));
        }
        IncidentCommand::List { region } => {
            for i in incidents::list(ctx, &actor, region.as_deref()).await.map_err(refused)? {
                let status = match (i.open, i.purged_at) {
                    (true, _) => t(lang, "cli.incident.status_open"),
                    (false, None) => t(lang, "cli.incident.status_closed"),
                    (false, Some(_)) => t(lang, "incident.cli.status_purged"),
                };
                let closed = i.closed_at.map(|c| c.date().to_string()).unwrap_or_default();
                println!("{}  {}  {}  {}  {}  {}", i.id, i.region_name, i.name, status, i.opened_at.date(), closed);
            }
        }
        IncidentCommand::Purge { id, retention_days } => {
            let retention = incidents::retention_days(retention_days.unwrap_or(retention)).map_err(refused)?;
            let done = match id {
                Some(id) => vec![incidents::purge(ctx, &actor, id, retention).await.map_err(refused)?],
                None => incidents::purge_due(ctx, &actor, retention).await.map_err(refused)?,
            };
            for r in &done {
                let rows: u64 = r.deleted.values().sum();
                println!(
                    "{}",
                    t_with(
                        lang,
                        "incident.cli.purged",
                        &[("id", &r.incident_id), ("rows", &rows), ("days", &r.aggregate_rows)]
                    )
                );
            }
            if done.is_empty() {
                println!("{}", t_with(lang, "incident.cli.nothing_due", &[("days", &retention)]));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `shouwang ledger verify --community CODE`: exit 0 when the chain holds,
/// 1 naming the first entry (seq, time, kind) that does not.
async fn ledger(ctx: &shouwang_service::Context, cmd: LedgerCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let refused = |e: shouwang_service::Error| anyhow!(e.message(lang));
    match cmd {
        LedgerCommand::Verify { community } => {
            let v = shouwang_service::ledger::verify(ctx, &community).await.map_err(refused)?;
            let name = format!("{} ({})", v.community.name, v.community.code);
            match &v.broken {
                None => {
                    println!(
                        "{}",
                        t_with(
                            lang,
                            "ledger.cli.holds",
                            &[("community", &name), ("count", &v.verified), ("head", &v.head)]
                        )
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    let kind =
                        b.kind.map_or_else(|| b.kind_code.clone(), |k| format!("{} {}", k.code(), k.label(lang)));
                    let at = shouwang_domain::ledger::time_text(b.at);
                    println!(
                        "{}",
                        t_with(
                            lang,
                            "ledger.cli.broken",
                            &[
                                ("community", &name),
                                ("seq", &b.seq),
                                ("at", &at),
                                ("kind", &kind),
                                ("why", &b.why.message(lang)),
                                ("count", &v.verified),
                            ]
                        )
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

#[derive(Serialize)]
struct JsonReport {
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: Vec<JsonRejected>,
}

#[derive(Serialize)]
struct JsonRejected {
    row: u32,
    reason: String,
}

async fn import_residents(
    db: &Db,
    hasher: &IdHasher,
    args: crate::cli::ImportResidentsArgs,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let community = code(&args.community, lang)?;
    let file = args.file.display();
    let kind = FileKind::from_path(&args.file)
        .ok_or_else(|| anyhow!(t_with(lang, "cli.import.file_kind", &[("file", &file)])))?;
    let size = std::fs::metadata(&args.file)
        .with_context(|| t_with(lang, "cli.import.cannot_read", &[("file", &file)]))?
        .len();
    if size > MAX_IMPORT_BYTES {
        bail!(t_with(
            lang,
            "cli.import.too_large",
            &[("size", &(size / 1_048_576)), ("max", &(MAX_IMPORT_BYTES / 1_048_576))]
        ));
    }
    let bytes = std::fs::read(&args.file)?;
    let options = ImportOptions { dry_run: args.dry_run, strict: args.strict };
    let year = time::OffsetDateTime::now_utc().year();
    let outcome = import_resident_file(db, hasher, &community, &bytes, kind, options, year, None)
        .await
        .map_err(|e| anyhow!(e.message(lang)))?;
    let report = &outcome.report;
    let c = report.counts;
    if args.json {
        let json = JsonReport {
            created: c.created,
            updated: c.updated,
            unchanged: c.unchanged,
            rejected: report
                .rejected
                .iter()
                .map(|r| JsonRejected { row: r.row, reason: r.reason.message(lang) })
                .collect(),
        };
        println!("{}", serde_json::to_string(&json)?);
    } else {
        let heading = match (args.dry_run, report.applied) {
            (true, _) => t(lang, "cli.import.dry_run"),
            (false, true) => t(lang, "cli.import.applied"),
            (false, false) => t(lang, "cli.import.nothing"),
        };
        println!("{}", t_with(lang, "cli.import.heading", &[("heading", &heading), ("sheet", &outcome.sheet_name)]));
        println!(
            "{}",
            t_with(
                lang,
                "cli.import.counts",
                &[
                    ("created", &c.created),
                    ("updated", &c.updated),
                    ("unchanged", &c.unchanged),
                    ("rejected", &report.rejected.len())
                ]
            )
        );
        for r in &report.rejected {
            println!(
                "  {}",
                t_with(lang, "cli.import.rejected_row", &[("row", &r.row), ("reason", &r.reason.message(lang))])
            );
        }
        if args.strict && !report.rejected.is_empty() && !args.dry_run {
            println!("{}", t(lang, "cli.import.strict"));
        }
    }
    // Non-zero only when nothing was (or, on a dry run, would be) applied.
    let blocked_by_strict = args.strict && !report.rejected.is_empty();
    let would_apply = c.created + c.updated + c.unchanged > 0 && !blocked_by_strict;
    let ok = if args.dry_run { would_apply } else { report.applied };
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

async fn export_residents(db: &Db, args: crate::cli::ExportResidentsArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let community = code(&args.community, lang)?;
    let kind = match FileKind::from_path(&args.output) {
        Some(FileKind::Csv) => FileKind::Csv,
        Some(FileKind::Xlsx) => FileKind::Xlsx,
        _ => bail!(t(lang, "cli.export.bad_output")),
    };
    let by = args.by.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "shouwang".into());
    let at = shouwang_domain::Clock::system()
        .local_now()
        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] (UTC+8)"))?;
    let (bytes, n) =
        export_resident_file(db, &community, kind, &by, &at).await.map_err(|e| anyhow!(e.message(lang)))?;
    // Write next to the target, then rename: a failed export never leaves half a file.
    let tmp = args.output.with_extension("partial");
    std::fs::write(&tmp, &bytes).with_context(|| format!("{}", tmp.display()))?;
    std::fs::rename(&tmp, &args.output)?;
    // Who exported personal data, and when, is recorded (never the data itself).
    tracing::info!(community = %community, rows = n, by = %by, file = %args.output.display(), "personal data exported");
    println!("{}", t_with(lang, "cli.export.done", &[("count", &n), ("file", &args.output.display())]));
    Ok(ExitCode::SUCCESS)
}
