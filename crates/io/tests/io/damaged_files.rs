//! Real workbooks with bytes flipped or cut off read as rows or as
//! `ReadError::Unreadable`, never as a panic.
//!
//! calamine asserts on some damaged files; the reader catches that and
//! answers "unreadable". The panic hook below keeps those expected calamine
//! messages out of the test output (any other panic still prints and fails).

use std::sync::Once;

use proptest::prelude::*;
use rust_xlsxwriter::{Format, Workbook};
use shouwang_io::{FileKind, ReadError, read_residents};

const XLS: &[u8] = include_bytes!("../fixtures/roster.xls");

fn quiet_calamine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("calamine")) {
                default(info);
            }
        }));
    });
}

fn small_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["小区", "楼号", "室号", "姓名", "手机"].into_iter().enumerate() {
        sheet.write_string(0, col as u16, h).expect("header");
    }
    for row in 1..20u32 {
        sheet.write_string(row, 0, "云飞雅苑").expect("cell");
        sheet.write_number(row, 2, f64::from(row)).expect("cell");
        sheet.write_string(row, 3, "张三").expect("cell");
    }
    sheet.merge_range(1, 1, 10, 1, "1号楼", &Format::new()).expect("merge");
    book.save_to_buffer().expect("saved")
}

proptest! {
    #[test]
    fn damaged_xlsx_files_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        quiet_calamine_panics();
        let mut bytes = small_xlsx();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(sheet) = read_residents(&bytes, FileKind::Xlsx) {
            prop_assert!(sheet.rows.iter().all(|r| r.row > sheet.header_row));
        }
    }

    /// Only cut off, not flipped: calamine 0.38 trusts sizes written inside
    /// an .xls and a flipped byte can make it abort on a huge allocation,
    /// which no `catch_unwind` stops (see known_calamine_aborts.rs).
    #[test]
    fn truncated_xls_files_never_panic(cut in any::<prop::sample::Index>()) {
        quiet_calamine_panics();
        let bytes = &XLS[..cut.index(XLS.len())];
        // Sectors past the roster's data may go without loss: rows or an error.
        match read_residents(bytes, FileKind::Xls) {
            Ok(sheet) => prop_assert!(sheet.rows.iter().all(|r| r.row > sheet.header_row)),
            Err(e) => prop_assert!(matches!(e, ReadError::Unreadable(_) | ReadError::NoHeaderRow), "{e:?}"),
        }
    }
}
