//! Reading uploaded spreadsheets in a child process, under limits.
//!
//! The server never parses an upload itself: calamine trusts sizes written
//! inside a file, and a 1 MB .xlsx can unpack to gigabytes. [`Reader`] runs
//! this binary's `parse-roster` with the bytes on stdin; the child caps its
//! own address space and CPU time (`setrlimit`) before it reads, so a zip
//! bomb ends the child with an allocation failure, not the host's memory. At
//! most [`ReaderLimits::max_readers`] children run at once on this instance;
//! a further upload waits [`ReaderLimits::wait`] for a turn and is then told
//! to try again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shouwang_io::{FileKind, ReadError};
use tokio::sync::Semaphore;

/// What one child reader may use, and how many run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Address space of the child (RLIMIT_AS), in MiB.
    pub max_memory_mib: u64,
    /// CPU time of the child (RLIMIT_CPU), in seconds; the wall clock gets
    /// four times as much before the child is killed.
    pub max_cpu_secs: u64,
    /// Children reading at once on this instance.
    pub max_readers: usize,
    /// How long an upload waits for a free reader before it is told to retry.
    pub wait: Duration,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        ReaderLimits { max_memory_mib: 512, max_cpu_secs: 30, max_readers: 2, wait: Duration::from_secs(5) }
    }
}

/// The child reader of uploads; clones share the limit on readers at once.
#[derive(Debug, Clone)]
pub struct Reader {
    exe: PathBuf,
    limits: ReaderLimits,
    slots: Arc<Semaphore>,
}

/// The signal the kernel sends when RLIMIT_CPU's soft limit is reached
/// (Linux and the BSDs).
const SIGXCPU: i32 = 24;
/// What Rust's allocation-failure handler prints before it aborts.
const ALLOCATION_FAILED: &str = "memory allocation of";
/// The child's stderr kept to tell why it stopped.
const STDERR_KEPT: usize = 64 * 1024;

impl Reader {
    /// `exe` is a program that understands `parse-roster` (this binary).
    pub fn new(exe: PathBuf, limits: ReaderLimits) -> Reader {
        let slots = Arc::new(Semaphore::new(limits.max_readers.max(1)));
        Reader { exe, limits, slots }
    }

    /// A reader with the default limits.
    pub fn with_defaults(exe: &Path) -> Reader {
        Reader::new(exe.to_path_buf(), ReaderLimits::default())
    }

    pub fn limits(&self) -> &ReaderLimits {
        &self.limits
    }

    /// Reads `bytes` as a `list` ("residents" or "volunteers") in a child.
    pub async fn read<T: serde::de::DeserializeOwned>(
        &self,
        bytes: &[u8],
        kind: FileKind,
        list: &str,
    ) -> Result<T, ReadError> {
        let _turn = match tokio::time::timeout(self.limits.wait, self.slots.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                tracing::warn!(readers = self.limits.max_readers, "every upload reader is busy; the upload is refused");
                return Err(ReadError::Busy);
            }
        };
        self.read_now(bytes, kind, list).await
    }

    async fn read_now<T: serde::de::DeserializeOwned>(
        &self,
        bytes: &[u8],
        kind: FileKind,
        list: &str,
    ) -> Result<T, ReadError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let failed = |what: &str| ReadError::Unreadable(format!("roster parser: {what}"));
        let limits = &self.limits;
        let mut child = tokio::process::Command::new(&self.exe)
            .args(["parse-roster", "--kind", kind.as_str(), "--list", list])
            .arg("--max-memory-mib")
            .arg(limits.max_memory_mib.to_string())
            .arg("--max-cpu-secs")
            .arg(limits.max_cpu_secs.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| failed(&e.to_string()))?;
        let mut stdin = child.stdin.take().ok_or_else(|| failed("no stdin"))?;
        let input = bytes.to_vec();
        let writer = tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
        // Only the start of stderr is kept: a child must not fill our memory either.
        let mut stderr = child.stderr.take().ok_or_else(|| failed("no stderr"))?;
        let errors = tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if kept.len() < STDERR_KEPT {
                    kept.extend_from_slice(&buf[..n.min(STDERR_KEPT - kept.len())]);
                }
            }
            kept
        });
        let wall = Duration::from_secs(limits.max_cpu_secs.saturating_mul(4).max(5));
        let output = match tokio::time::timeout(wall, child.wait_with_output()).await {
            Ok(o) => o.map_err(|e| failed(&e.to_string()))?,
            Err(_) => {
                // The child is killed as the future holding it is dropped.
                tracing::warn!(secs = wall.as_secs(), "roster parser timed out; the file is refused");
                return Err(ReadError::TooSlow { limit_secs: limits.max_cpu_secs });
            }
        };
        let _ = writer.await;
        let stderr = errors.await.unwrap_or_default();
        if !output.status.success() {
            let why = self.why_stopped(&output.status, &stderr);
            tracing::warn!(status = ?output.status, refusal = ?why, "roster parser failed; the file is refused");
            return Err(why);
        }
        let result: Result<T, ReadError> =
            serde_json::from_slice(&output.stdout).map_err(|e| failed(&e.to_string()))?;
        result
    }

    /// Why a child ended without an answer.
    fn why_stopped(&self, status: &std::process::ExitStatus, stderr: &[u8]) -> ReadError {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if status.signal() == Some(SIGXCPU) {
                return ReadError::TooSlow { limit_secs: self.limits.max_cpu_secs };
            }
        }
        let _ = status;
        if String::from_utf8_lossy(stderr).contains(ALLOCATION_FAILED) {
            return ReadError::TooBigUnpacked { limit_mib: self.limits.max_memory_mib };
        }
        ReadError::Unreadable("roster parser: crashed on this file".into())
    }
}
