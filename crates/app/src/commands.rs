//! One function per subcommand.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use shouwang_db::import::ImportOptions;
use shouwang_db::registry;
use shouwang_db::{Db, DbError, DbOptions};
use shouwang_domain::{IdHasher, Lang, RegionCode, RegionKind};
use shouwang_io::FileKind;
use shouwang_service::registry::{export_resident_file, import_resident_file};
use shouwang_web::{AppState, Application};

use crate::cli::{BlockCommand, Cli, Command, ExportCommand, ImportCommand, IncidentCommand, RegionCommand};
use crate::config::{Config, FileConfig};

/// Largest roster file accepted (calamine reads whole sheets into memory).
pub const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;

pub(crate) async fn dispatch(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Command::ParseRoster { kind, list } = &cli.command {
        return parse_roster(kind, list);
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
            println!("{}", lang.pick("数据库已是最新结构。", "The database schema is up to date."));
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
        Command::Incident(cmd) => incident(&db, cmd, lang).await,
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
        "{} {} ({} KB)",
        lang.pick("备份已写入", "Backup written to"),
        report.path.display(),
        report.bytes.div_ceil(1024)
    );
    println!(
        "{}",
        lang.pick(
            "备份含全部个人信息：请与身份证号哈希密钥分开、加密保存。",
            "The backup holds all personal data: keep it encrypted and apart from the ID hash key."
        )
    );
    Ok(ExitCode::SUCCESS)
}

async fn restore(url: &str, from: &std::path::Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let report = shouwang_db::backup::restore(url, from).await.map_err(|e| anyhow!(backup_message(&e, lang)))?;
    println!(
        "{} {} ({} KB)",
        lang.pick("已从备份恢复：", "Restored from"),
        from.display(),
        report.bytes.div_ceil(1024)
    );
    Ok(ExitCode::SUCCESS)
}

/// A backup refusal in the operator's language.
fn backup_message(e: &shouwang_db::backup::BackupError, lang: Lang) -> String {
    use shouwang_db::backup::BackupError as E;
    let zh = match e {
        E::TargetExists(p) => format!("目标文件已存在，不会覆盖：{}", p.display()),
        E::Unreadable(p) => format!("无法读取备份文件：{}", p.display()),
        E::WrongFormat(p) => format!("不是此类数据库的备份（应为 SQLite 文件或 pg_dump 自定义格式）：{}", p.display()),
        E::NotEmpty(n) => format!("目标数据库不是空的（已有 {n} 张表），恢复只能写入空数据库"),
        E::ToolMissing(t) => format!("找不到 {t}：请安装 PostgreSQL 客户端程序"),
        E::ToolFailed { tool, detail } => format!("{tool} 执行失败：{detail}"),
        E::Corrupt(v) => format!("恢复后的数据库未通过完整性检查：{v}"),
        E::UnsupportedUrl => "不支持的数据库地址".to_string(),
        other => format!("备份或恢复失败：{other}"),
    };
    lang.pick(&zh, &e.to_string()).to_string()
}

/// The server's child reader of uploads: spreadsheet bytes on stdin, the
/// rows (or why the file cannot be read) as JSON on stdout. No database.
fn parse_roster(kind: &str, list: &str) -> anyhow::Result<ExitCode> {
    use std::io::Read;
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

/// Connects and migrates (every command works on an up-to-date schema).
async fn open(config: &Config, lang: Lang) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url, &DbOptions::default())
        .await
        .map_err(|e| anyhow!("{}: {}", db_error(&e, lang), redact_url(&config.database_url)))?;
    db.migrate().await.map_err(|e| anyhow!("{} ({e})", lang.pick("数据库迁移失败", "migration failed")))?;
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
        DbError::Db(_) | DbError::Sqlx(_) => {
            format!("{} ({e})", lang.pick("无法打开数据库", "cannot open the database"))
        }
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
    RegionCode::parse(s).map_err(|_| {
        anyhow!(
            "{}: {s}",
            lang.pick(
                "代码只能由字母、数字、'-'、'_'、'.' 组成，最长64个字符",
                "a code is 1-64 letters, digits, '-', '_' or '.'"
            )
        )
    })
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
    let state =
        AppState::new(shouwang_service::Context::new(db, hasher, shouwang_domain::Clock::system()), config.web.clone());
    let app = Application::build(config.listen, state)
        .await
        .with_context(|| format!("{} {}", lang.pick("无法监听", "cannot listen on"), config.listen))?;
    let addr = app.local_addr()?;
    announce(addr, lang);
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn announce(addr: SocketAddr, lang: Lang) {
    let url = format!("http://{addr}");
    let mut lines = vec![
        format!("{} {url}", lang.pick("守望已启动：", "Shouwang is serving at")),
        format!("  {url}/api/v1/regions   {url}/api/v1/openapi.json   {url}/readyz"),
    ];
    lines.push(
        lang.pick(
            "登录账号用 `shouwang user add --username 名字 --role community_admin --scope 社区代码` 创建",
            "create a login with `shouwang user add --username NAME --role community_admin --scope COMMUNITY`",
        )
        .to_string(),
    );
    if addr.ip().is_loopback() {
        lines.push(lang.pick("（默认只监听本机地址）", "(listening on this machine only by default)").to_string());
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
            println!("{} {} {} ({})", lang.pick("已创建", "created"), kind.label(lang), r.name, r.code);
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
                let fail = |msg: String| anyhow!("{} {line_no}: {msg}", lang.pick("第几行 / line", "line"));
                if cols.len() < 3 {
                    return Err(fail(
                        lang.pick("需要 类型,代码,名称[,上级代码]", "expected kind,code,name[,parent]").into(),
                    ));
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
            println!("{} {created}", lang.pick("新建区域数：", "regions created:"));
        }
        RegionCommand::SetContact { code: c, phone } => {
            let phone = phone.map(|p| shouwang_domain::text::normalize(&p)).filter(|p| !p.is_empty());
            if phone
                .as_ref()
                .is_some_and(|p| p.len() > 32 || !p.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c)))
            {
                bail!("{}", lang.pick("电话号码格式不正确", "malformed phone number"));
            }
            registry::set_contact_phone(db, &code(&c, lang)?, phone.as_deref())
                .await
                .map_err(|e| user_error(e, lang))?;
            println!("{}", lang.pick("已更新联系电话", "contact phone updated"));
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
    RegionKind::parse(s).ok_or_else(|| {
        anyhow!(
            "{}: {s}",
            lang.pick(
                "类型应为 city/district/subdistrict/community/grid/compound/building（或 市/区/街道/社区/网格/小区/楼栋）",
                "kind must be city, district, subdistrict, community, grid, compound or building"
            )
        )
    })
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
    println!(
        "{} {} ({} {})",
        lang.pick("已创建单元", "created block"),
        b.name,
        buildings.len(),
        lang.pick("栋楼", "buildings")
    );
    Ok(ExitCode::SUCCESS)
}

async fn incident(db: &Db, cmd: IncidentCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match cmd {
        IncidentCommand::Open { region, name } => {
            let i = registry::open_incident(db, &code(&region, lang)?, &name).await.map_err(|e| user_error(e, lang))?;
            println!("{} {} ({})", lang.pick("已开启事件", "opened incident"), i.name, i.id);
        }
        IncidentCommand::Close { id } => {
            registry::close_incident(db, id).await.map_err(|e| user_error(e, lang))?;
            println!("{}", lang.pick("事件已关闭", "incident closed"));
        }
        IncidentCommand::List { region } => {
            let r = registry::region_by_code(&db.read, &code(&region, lang)?).await.map_err(|e| user_error(e, lang))?;
            for i in registry::incidents_of_region(&db.read, r.id).await? {
                let status =
                    if i.status == "open" { lang.pick("进行中", "open") } else { lang.pick("已关闭", "closed") };
                println!("{}  {}  {}  {}", i.id, i.name, status, i.opened_at.date());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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
    let kind = FileKind::from_path(&args.file).ok_or_else(|| {
        anyhow!(
            "{}: {}",
            lang.pick("只支持 .xlsx、.xls、.csv 文件", "only .xlsx, .xls and .csv files are supported"),
            args.file.display()
        )
    })?;
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("{}: {}", lang.pick("无法读取文件", "cannot read file"), args.file.display()))?
        .len();
    if size > MAX_IMPORT_BYTES {
        bail!(
            "{} ({} MB > {} MB)",
            lang.pick("文件太大，请分成几个文件导入", "the file is too large; split it"),
            size / 1_048_576,
            MAX_IMPORT_BYTES / 1_048_576
        );
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
            (true, _) => lang.pick("试导入（未做任何更改）", "Dry run (nothing changed)"),
            (false, true) => lang.pick("导入完成", "Import applied"),
            (false, false) => lang.pick("未导入任何数据", "Nothing was imported"),
        };
        println!("{heading}: {} {}", outcome.sheet_name, lang.pick("表", "sheet"));
        match lang {
            Lang::Zh => println!(
                "新增 {} 人，更新 {} 人，未变 {} 人，拒绝 {} 行",
                c.created,
                c.updated,
                c.unchanged,
                report.rejected.len()
            ),
            Lang::En => println!(
                "created {}, updated {}, unchanged {}, rejected {} rows",
                c.created,
                c.updated,
                c.unchanged,
                report.rejected.len()
            ),
        }
        for r in &report.rejected {
            match lang {
                Lang::Zh => println!("  第{}行：{}", r.row, r.reason.message(lang)),
                Lang::En => println!("  row {}: {}", r.row, r.reason.message(lang)),
            }
        }
        if args.strict && !report.rejected.is_empty() && !args.dry_run {
            println!(
                "{}",
                lang.pick(
                    "（使用了 --strict：有被拒绝的行，因此全部未导入）",
                    "(--strict: rows were rejected, so nothing was applied)"
                )
            );
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
        _ => bail!("{}", lang.pick("导出文件名应以 .xlsx 或 .csv 结尾", "the output file must end in .xlsx or .csv")),
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
    match lang {
        Lang::Zh => println!("已导出 {n} 名居民到 {}（含个人信息，请妥善保管）", args.output.display()),
        Lang::En => {
            println!("exported {n} residents to {} (contains personal data; keep it safe)", args.output.display())
        }
    }
    Ok(ExitCode::SUCCESS)
}
