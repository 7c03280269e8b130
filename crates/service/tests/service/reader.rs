//! At most `max_readers` child readers of uploads run at once on an
//! instance; a further upload waits briefly for a turn, then is told to
//! retry. The child here is a stand-in script that takes a second.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use shouwang_domain::Lang;
use shouwang_io::{FileKind, ReadError, ResidentSheet};
use shouwang_service::reader::{Reader, ReaderLimits};

/// A "parser" that reads its input, takes a second, and answers "no header
/// row". Written once per test binary (a script still open for writing
/// while another thread forks cannot be executed).
fn slow_parser() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static SCRIPT: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = SCRIPT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slow-parser");
        std::fs::write(&path, "#!/bin/sh\ncat >/dev/null\nsleep 1\necho '{\"Err\":\"NoHeaderRow\"}'\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, path)
    });
    path.clone()
}

fn reader(exe: PathBuf, max_readers: usize, wait: Duration) -> Reader {
    Reader::new(exe, ReaderLimits { max_memory_mib: 256, max_cpu_secs: 10, max_readers, wait })
}

async fn read(r: &Reader) -> Result<ResidentSheet, ReadError> {
    r.read::<ResidentSheet>(b"x", FileKind::Csv, "residents").await
}

#[tokio::test]
async fn an_upload_beyond_the_readers_at_once_is_told_to_retry() {
    let r = reader(slow_parser(), 1, Duration::from_millis(200));
    let (a, b) = tokio::join!(read(&r), read(&r));
    let busy = [&a, &b].iter().filter(|x| matches!(x, Err(ReadError::Busy))).count();
    let read_through = [&a, &b].iter().filter(|x| matches!(x, Err(ReadError::NoHeaderRow))).count();
    assert_eq!((busy, read_through), (1, 1), "{a:?} / {b:?}");
    let e = ReadError::Busy;
    assert!(e.message(Lang::Zh).contains("稍后再试") && e.message(Lang::En).contains("try again"));
}

#[tokio::test]
async fn uploads_wait_their_turn_within_the_wait() {
    let r = reader(slow_parser(), 1, Duration::from_secs(10));
    let started = Instant::now();
    let (a, b) = tokio::join!(read(&r), read(&r));
    assert!(matches!(a, Err(ReadError::NoHeaderRow)) && matches!(b, Err(ReadError::NoHeaderRow)), "{a:?} / {b:?}");
    assert!(started.elapsed() >= Duration::from_millis(1900), "one after the other: {:?}", started.elapsed());

    let two = reader(slow_parser(), 2, Duration::from_secs(10));
    let started = Instant::now();
    let (a, b) = tokio::join!(read(&two), read(&two));
    assert!(a.is_err() && b.is_err());
    assert!(started.elapsed() < Duration::from_millis(1900), "two at once: {:?}", started.elapsed());
}
