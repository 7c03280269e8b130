//! Known limit, kept as a test to re-run when calamine is upgraded.
//!
//! calamine 0.38 sizes some buffers from numbers written inside the file
//! before checking them: an .xls DIMENSIONS record claiming four billion rows
//! makes it reserve terabytes, and the process aborts. An abort is not a
//! panic, so `read_residents` cannot turn it into `ReadError::Unreadable`.
//! (Upstream: tafia/calamine issues #684 and #714 list the same class of bug
//! for the CFB header and the .xlsx shared-string count.) Until it is fixed,
//! whoever calls the importer on untrusted uploads should run it where an
//! abort costs one request, not the server, e.g. in a child process.
//!
//! Run with `cargo test -p shouwang-io --test io -- --ignored known_calamine_aborts::`
//! (alone: the abort ends the whole test binary): today it aborts; once
//! calamine checks the size, it passes.

use shouwang_io::{FileKind, ReadError, read_residents};

const XLS: &[u8] = include_bytes!("../fixtures/roster.xls");

#[test]
#[ignore = "calamine 0.38 aborts the process on this file (an allocation failure, not a panic)"]
fn an_xls_claiming_four_billion_rows_is_unreadable() {
    // BIFF8 DIMENSIONS: type 0x0200, length 14, first row u32, last row u32,
    // first column u16, last column u16. The roster sheet's is the last one.
    let signature = [0x00, 0x02, 0x0E, 0x00];
    let at = XLS.windows(4).rposition(|w| w == signature).expect("the fixture has a DIMENSIONS record");
    let mut bytes = XLS.to_vec();
    bytes[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    bytes[at + 14..at + 16].copy_from_slice(&0xFFu16.to_le_bytes());
    assert!(matches!(read_residents(&bytes, FileKind::Xls), Err(ReadError::Unreadable(_))));
}
