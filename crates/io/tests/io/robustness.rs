//! Whatever is uploaded, reading answers with rows or a `ReadError`, never a
//! panic: random bytes, random bytes behind a real file signature, random
//! text. Damaged real files are in damaged_files.rs.

use proptest::prelude::*;
use shouwang_io::{FileKind, ReadError, read_residents};

const KINDS: [FileKind; 3] = [FileKind::Xlsx, FileKind::Xls, FileKind::Csv];

/// Reads and checks the one promise made for bad input: no panic, and row
/// numbers that a user could find in the file.
fn read_any(bytes: &[u8], kind: FileKind) {
    if let Ok(sheet) = read_residents(bytes, kind) {
        assert!(sheet.rows.iter().all(|r| r.row > sheet.header_row));
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for kind in KINDS {
            read_any(&bytes, kind);
        }
    }

    #[test]
    fn arbitrary_bytes_behind_a_workbook_signature_are_unreadable(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        zip in any::<bool>(),
    ) {
        let magic: &[u8] = if zip { b"PK\x03\x04" } else { &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] };
        let bytes = [magic, &tail].concat();
        let result = read_residents(&bytes, FileKind::Xlsx);
        prop_assert!(matches!(result, Err(ReadError::Unreadable(_))), "{:?}", result.map(|s| s.rows.len()));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[姓名楼号室手机,\t;\"\r\n a-z0-9*（）]{0,400}") {
        read_any(text.as_bytes(), FileKind::Csv);
    }
}
