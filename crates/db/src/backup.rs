//! Backup and restore of the whole database, while the server keeps serving.
//!
//! SQLite: `VACUUM INTO` writes one consistent snapshot (a read transaction)
//! into a new, compacted file; writers go on meanwhile. Restoring copies that
//! file into place. PostgreSQL: `pg_dump --format=custom` (one repeatable-read
//! snapshot), restored with `pg_restore` in one transaction. Both refuse to
//! overwrite: a backup never replaces an existing file, and a restore only
//! goes into an empty database.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use sea_orm::{ConnectionTrait, Statement};

use crate::conn::{Backend, Db, DbOptions};

/// Why a backup or restore did not happen. Paths are the operator's own; no
/// personal data is ever part of a message.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the target file already exists: {0}")]
    TargetExists(PathBuf),
    #[error("the backup file cannot be read: {0}")]
    Unreadable(PathBuf),
    #[error("not a backup of this kind of database (SQLite file or pg_dump custom format expected): {0}")]
    WrongFormat(PathBuf),
    #[error("the target database is not empty ({0} tables)")]
    NotEmpty(i64),
    #[error("{0} was not found; install the PostgreSQL client programs")]
    ToolMissing(&'static str),
    #[error("{tool} failed: {detail}")]
    ToolFailed { tool: &'static str, detail: String },
    #[error("the restored database failed its integrity check: {0}")]
    Corrupt(String),
    #[error("unsupported database URL")]
    UnsupportedUrl,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] crate::DbError),
    #[error(transparent)]
    Sql(#[from] sea_orm::DbErr),
}

/// What a backup or restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

/// Writes a consistent copy of the database at `url` (opened as `db`) to `to`.
pub async fn backup(db: &Db, url: &str, to: &Path) -> Result<BackupReport, BackupError> {
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_path_buf()));
    }
    // Written under a temporary name and renamed: a half-written file never
    // carries the name an operator would restore from.
    let partial = partial_path(to);
    let _ = std::fs::remove_file(&partial);
    let made = match db.backend {
        Backend::Sqlite => {
            let target = partial.to_str().ok_or_else(|| BackupError::Unreadable(partial.clone()))?;
            db.read
                .execute_raw(Statement::from_sql_and_values(
                    sea_orm::DatabaseBackend::Sqlite,
                    "VACUUM INTO ?",
                    [target.into()],
                ))
                .await
                .map(|_| ())
                .map_err(BackupError::from)
        }
        Backend::Postgres => {
            let (conn, password) = pg_conninfo(url)?;
            let dbname = format!("--dbname={conn}");
            let args = ["--format=custom", "--no-owner", "--no-privileges", "--file"].map(OsStr::new);
            run_tool("pg_dump", &[&args[..], &[partial.as_os_str(), OsStr::new(&dbname)]].concat(), password).await
        }
    };
    if let Err(e) = made {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, to)?;
    Ok(BackupReport { path: to.to_path_buf(), bytes: std::fs::metadata(to)?.len() })
}

/// Restores the backup `from` into the empty database at `url`.
pub async fn restore(url: &str, from: &Path) -> Result<BackupReport, BackupError> {
    let head = read_head(from)?;
    if url.starts_with("sqlite:") {
        if !head.starts_with(SQLITE_MAGIC) {
            return Err(BackupError::WrongFormat(from.to_path_buf()));
        }
        let target = sqlite_path(url).ok_or(BackupError::UnsupportedUrl)?;
        if target.exists() && std::fs::metadata(&target)?.len() > 0 {
            let db = Db::connect(url, &DbOptions { max_connections: 1, ..Default::default() }).await?;
            let tables = count_tables(&db).await;
            db.close().await;
            let tables = tables?;
            if tables > 0 {
                return Err(BackupError::NotEmpty(tables));
            }
        }
        let partial = partial_path(&target);
        std::fs::copy(from, &partial)?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        std::fs::rename(&partial, &target)?;
        let db = Db::connect(url, &DbOptions { max_connections: 1, ..Default::default() }).await?;
        let check = db
            .read
            .query_one_raw(Statement::from_string(db.read.get_database_backend(), "PRAGMA integrity_check"))
            .await;
        db.close().await;
        let verdict: String = check?.map(|row| row.try_get_by_index(0)).transpose()?.unwrap_or_default();
        if verdict != "ok" {
            return Err(BackupError::Corrupt(verdict));
        }
        Ok(BackupReport { path: target.clone(), bytes: std::fs::metadata(&target)?.len() })
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if !head.starts_with(PGDUMP_MAGIC) {
            return Err(BackupError::WrongFormat(from.to_path_buf()));
        }
        let db = Db::connect(url, &DbOptions { max_connections: 1, ..Default::default() }).await?;
        let tables = count_tables(&db).await;
        db.close().await;
        let tables = tables?;
        if tables > 0 {
            return Err(BackupError::NotEmpty(tables));
        }
        let (conn, password) = pg_conninfo(url)?;
        let dbname = format!("--dbname={conn}");
        let args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"].map(OsStr::new);
        run_tool("pg_restore", &[&args[..], &[OsStr::new(&dbname), from.as_os_str()]].concat(), password).await?;
        Ok(BackupReport { path: from.to_path_buf(), bytes: std::fs::metadata(from)?.len() })
    } else {
        Err(BackupError::UnsupportedUrl)
    }
}

/// Tables of the application's schema (SQLite's own tables left out).
async fn count_tables(db: &Db) -> Result<i64, BackupError> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        Backend::Postgres => {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let row = db.read.query_one_raw(Statement::from_string(db.read.get_database_backend(), sql)).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}

fn read_head(path: &Path) -> Result<Vec<u8>, BackupError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|_| BackupError::Unreadable(path.to_path_buf()))?;
    let mut head = vec![0u8; 16];
    let n = file.read(&mut head).map_err(|_| BackupError::Unreadable(path.to_path_buf()))?;
    head.truncate(n);
    Ok(head)
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// `sqlite://dir/file.db?mode=rwc` -> `dir/file.db`.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The URL without its password (so it never shows in the process list),
/// and the password for the `PGPASSWORD` variable.
fn pg_conninfo(url: &str) -> Result<(String, Option<String>), BackupError> {
    let (scheme, rest) = url.split_once("://").ok_or(BackupError::UnsupportedUrl)?;
    let (authority, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, password)) => Ok((format!("{scheme}://{user}@{host}{tail}"), Some(password.to_string()))),
            None => Ok((url.to_string(), None)),
        },
        None => Ok((url.to_string(), None)),
    }
}

/// `pg_dump` or `pg_restore` from PATH, else from the newest installed
/// PostgreSQL (Debian keeps them in /usr/lib/postgresql/<version>/bin).
fn find_tool(name: &'static str) -> Result<PathBuf, BackupError> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let candidate = e.path().join("bin").join(name);
            candidate.is_file().then_some((version, candidate))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).ok_or(BackupError::ToolMissing(name))
}

async fn run_tool(tool: &'static str, args: &[&OsStr], password: Option<String>) -> Result<(), BackupError> {
    let program = find_tool(tool)?;
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).output().await?;
    if output.status.success() {
        Ok(())
    } else {
        let detail = String::from_utf8_lossy(&output.stderr).lines().take(5).collect::<Vec<_>>().join(" / ");
        Err(BackupError::ToolFailed { tool, detail })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        let (conn, pw) = pg_conninfo("postgres://sw:s3cret@db.local:5432/shouwang?sslmode=require").expect("url");
        assert_eq!(conn, "postgres://sw@db.local:5432/shouwang?sslmode=require");
        assert_eq!(pw.as_deref(), Some("s3cret"));
        let (conn, pw) = pg_conninfo("postgres://postgres@127.0.0.1:5432/x").expect("url");
        assert_eq!(conn, "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(pw, None);
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://a/b.db?mode=rwc"), Some(PathBuf::from("a/b.db")));
        assert_eq!(sqlite_path("sqlite:shouwang.db"), Some(PathBuf::from("shouwang.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
