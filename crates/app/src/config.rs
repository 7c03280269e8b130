//! Configuration, lowest priority first: built-in defaults, a TOML file
//! (`--config FILE`, `SHOUWANG_CONFIG`, or `./shouwang.toml` when present),
//! environment variables (`SHOUWANG_*`), then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use shouwang_domain::i18n::t_with;
use shouwang_domain::{IdHasher, Lang};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://shouwang.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_KEY_FILE: &str = "shouwang.key";

/// The TOML file; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    /// Secret key of the ID-number hash, as text (prefer `id_hash_key_file`).
    pub id_hash_key: Option<String>,
    pub id_hash_key_file: Option<PathBuf>,
    /// Secure cookies; default on, except when listening on loopback over plain HTTP.
    pub cookie_secure: Option<bool>,
    /// Load balancers whose X-Forwarded-For is believed.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// e.g. "https://sw.example.gov.cn": checked against the Origin of form posts.
    pub public_origin: Option<String>,
    /// Bearer token for reading `/metrics` from another host (else loopback only).
    pub metrics_token: Option<String>,
    /// SQLite only: "full" (default; every answered commit survives a power
    /// cut) or "normal" (faster; survives a crash of the program only).
    pub sqlite_synchronous: Option<shouwang_db::Durability>,
    /// Days a closed incident's personal operational data is kept before the
    /// purge (SPEC §5); default 30.
    pub incident_retention_days: Option<u32>,
    /// Limits of the child process that reads uploaded spreadsheets.
    #[serde(default)]
    pub reader: ReaderConfig,
}

/// `[reader]` in the TOML file: what the child reader of uploads may use.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderConfig {
    /// Address space of one reader, in MiB (default 512).
    pub max_memory_mib: Option<u64>,
    /// CPU time of one reader, in seconds (default 30).
    pub max_cpu_secs: Option<u64>,
    /// Readers at once on this instance (default 2); further uploads wait.
    pub max_readers: Option<usize>,
    /// Seconds an upload waits for a free reader before it is told to retry (default 5).
    pub wait_secs: Option<u64>,
}

impl ReaderConfig {
    pub fn limits(&self) -> shouwang_service::reader::ReaderLimits {
        let d = shouwang_service::reader::ReaderLimits::default();
        shouwang_service::reader::ReaderLimits {
            max_memory_mib: self.max_memory_mib.unwrap_or(d.max_memory_mib).max(64),
            max_cpu_secs: self.max_cpu_secs.unwrap_or(d.max_cpu_secs).max(1),
            max_readers: self.max_readers.unwrap_or(d.max_readers).max(1),
            wait: self.wait_secs.map(std::time::Duration::from_secs).unwrap_or(d.wait),
        }
    }
}

impl FileConfig {
    /// Reads `explicit`, or `./shouwang.toml` if it exists, or nothing.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<FileConfig> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new("shouwang.toml").exists() => PathBuf::from("shouwang.toml"),
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| both("cli.config.cannot_read", &[("path", &path.display())]))?;
        toml::from_str(&text).with_context(|| both("cli.config.malformed", &[("path", &path.display())]))
    }
}

/// Settings after every source is merged.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    key: KeySource,
    pub web: shouwang_web::WebConfig,
    pub durability: shouwang_db::Durability,
    /// Days a closed incident is kept before its purge.
    pub incident_retention_days: u32,
}

#[derive(Debug, Clone)]
enum KeySource {
    Inline(String),
    File(PathBuf),
}

impl Config {
    /// `flag_*` are the command line (clap already folded in the environment variables).
    pub fn resolve(
        file: FileConfig,
        flag_database: Option<String>,
        flag_listen: Option<String>,
        flag_key: Option<String>,
        flag_key_file: Option<PathBuf>,
    ) -> anyhow::Result<Config> {
        let database_url = flag_database.or(file.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let listen_text = flag_listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen: SocketAddr =
            listen_text.parse().with_context(|| both("cli.config.bad_listen", &[("address", &listen_text)]))?;
        let key = match (flag_key, flag_key_file, file.id_hash_key.clone(), file.id_hash_key_file.clone()) {
            (Some(k), _, _, _) => KeySource::Inline(k),
            (None, Some(f), _, _) => KeySource::File(f),
            (None, None, Some(k), _) => KeySource::Inline(k),
            (None, None, None, Some(f)) => KeySource::File(f),
            (None, None, None, None) => KeySource::File(PathBuf::from(DEFAULT_KEY_FILE)),
        };
        let web = shouwang_web::WebConfig {
            cookie_secure: file.cookie_secure.unwrap_or(!listen.ip().is_loopback()),
            trusted_proxies: file.trusted_proxies,
            public_origin: file.public_origin,
            // Uploads are read by this same binary in a child process.
            roster_parser: std::env::current_exe().ok(),
            reader_limits: file.reader.limits(),
            metrics_token: file.metrics_token,
        };
        let durability = file.sqlite_synchronous.unwrap_or_default();
        let incident_retention_days =
            file.incident_retention_days.unwrap_or(shouwang_domain::incident::DEFAULT_RETENTION_DAYS);
        shouwang_service::incidents::retention_days(incident_retention_days)
            .map_err(|e| anyhow::anyhow!(format!("{} / {}", e.message(Lang::Zh), e.message(Lang::En))))?;
        Ok(Config { database_url, listen, key, web, durability, incident_retention_days })
    }

    /// The ID-number hasher. With no key configured, a random key is made
    /// once in `shouwang.key` (owner-only) and reused afterwards.
    pub fn id_hasher(&self) -> anyhow::Result<IdHasher> {
        let key = match &self.key {
            KeySource::Inline(k) => k.trim().to_string(),
            KeySource::File(path) => read_or_create_key(path)?,
        };
        if key.len() < 16 {
            bail!(both("cli.config.key_too_short", &[]));
        }
        Ok(IdHasher::new(key.as_bytes()))
    }
}

/// A message in both languages at once: configuration is read before the
/// operator's language is applied, so its errors speak both.
fn both(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    format!("{} / {}", t_with(Lang::Zh, key, args), t_with(Lang::En, key, args))
}

fn read_or_create_key(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        refuse_shared(path)?;
        return Ok(std::fs::read_to_string(path)
            .with_context(|| both("cli.config.cannot_read_key", &[("path", &path.display())]))?
            .trim()
            .to_string());
    }
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, &key).with_context(|| both("cli.config.cannot_create_key", &[("path", &path.display())]))?;
    tracing::warn!(path = %path.display(), "created a new ID-number hash key; back it up apart from the database");
    Ok(key)
}

/// The key turns a stolen database back into ID numbers that can be tested:
/// a key file other accounts on the machine can read is refused.
#[cfg(unix)]
fn refuse_shared(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| both("cli.config.cannot_read_key", &[("path", &path.display())]))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(both("cli.config.key_shared", &[("path", &path.display())]));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{contents}\n"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let file: FileConfig = toml::from_str("database_url = \"postgres://db/x\"\nlisten = \"0.0.0.0:9000\"").unwrap();
        let c = Config::resolve(file, Some("sqlite://a.db".into()), None, None, None).unwrap();
        assert_eq!(c.database_url, "sqlite://a.db");
        assert_eq!(c.listen.port(), 9000);
        let c = Config::resolve(FileConfig::default(), None, None, None, None).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(c.listen.ip().is_loopback(), "loopback by default: no login yet");
    }

    #[test]
    fn the_upload_reader_limits_come_from_the_file_with_defaults() {
        let c = Config::resolve(FileConfig::default(), None, None, None, None).unwrap();
        assert_eq!(c.web.reader_limits, shouwang_service::reader::ReaderLimits::default());
        assert_eq!((c.web.reader_limits.max_memory_mib, c.web.reader_limits.max_cpu_secs), (512, 30));
        assert_eq!(c.web.reader_limits.max_readers, 2);
        let file: FileConfig =
            toml::from_str("[reader]\nmax_memory_mib = 256\nmax_readers = 4\nwait_secs = 1").unwrap();
        let c = Config::resolve(file, None, None, None, None).unwrap();
        let l = &c.web.reader_limits;
        assert_eq!((l.max_memory_mib, l.max_cpu_secs, l.max_readers), (256, 30, 4));
        assert_eq!(l.wait, std::time::Duration::from_secs(1));
        assert!(toml::from_str::<FileConfig>("[reader]\nmax_memroy_mib = 1").is_err());
    }

    #[test]
    fn unknown_keys_and_bad_addresses_are_refused() {
        assert!(toml::from_str::<FileConfig>("databse_url = \"x\"").is_err());
        assert!(Config::resolve(FileConfig::default(), None, Some("localhost".into()), None, None).is_err());
    }

    #[test]
    fn a_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let c = Config::resolve(FileConfig::default(), None, None, None, Some(path.clone())).unwrap();
        let a = c.id_hasher().unwrap().fingerprint();
        let b = c.id_hasher().unwrap().fingerprint();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let short = Config::resolve(FileConfig::default(), None, None, Some("short".into()), None).unwrap();
        assert!(short.id_hasher().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "a key of enough length for the hash\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = Config::resolve(FileConfig::default(), None, None, None, Some(path.clone())).unwrap();
        let e = c.id_hasher().unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(c.id_hasher().is_ok());
    }
}
