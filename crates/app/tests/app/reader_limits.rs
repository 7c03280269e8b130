//! The child that reads uploads runs under a memory and a CPU-time limit
//! (issue 11, item 11): a zip bomb ends the child, not the host's memory,
//! and the user is told why. These run the real binary's `parse-roster`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use shouwang_domain::Lang;
use shouwang_io::{FileKind, ReadError, ResidentSheet};
use shouwang_service::reader::{Reader, ReaderLimits};

const MESSY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/messy-roster.xlsx");

fn reader(max_memory_mib: u64, max_cpu_secs: u64) -> Reader {
    let limits = ReaderLimits { max_memory_mib, max_cpu_secs, max_readers: 2, wait: Duration::from_secs(5) };
    Reader::new(PathBuf::from(env!("CARGO_BIN_EXE_shouwang")), limits)
}

/// A minimal .xlsx whose one sheet is `head`, then `chunk` written `times`
/// times, then `tail`: a few hundred KB that unpack to `chunk.len() * times`.
pub fn xlsx_with_sheet(head: &str, chunk: &[u8], times: usize, tail: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, deflate).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflate).unwrap();
    zip.write_all(head.as_bytes()).unwrap();
    let per_block = ((1 << 20) / chunk.len()).max(1);
    let block = chunk.repeat(per_block);
    let mut left = times;
    while left >= per_block {
        zip.write_all(&block).unwrap();
        left -= per_block;
    }
    for _ in 0..left {
        zip.write_all(chunk).unwrap();
    }
    zip.write_all(tail.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>楼号</t></is></c><c r="C1" t="inlineStr"><is><t>室号</t></is></c></row>"#;

/// One cell of row 2 holding `mib` MiB of text: the XML reader must hold the
/// whole text at once (and copies it while it grows).
pub fn zip_bomb(mib: usize) -> Vec<u8> {
    let head = format!(r#"{SHEET_HEAD}<row r="2"><c r="A2" t="inlineStr"><is><t>"#);
    xlsx_with_sheet(&head, b"AAAAAAAAAAAAAAAA", mib << 16, "</t></is></c></row></sheetData></worksheet>")
}

#[tokio::test]
async fn a_zip_bomb_stops_the_reader_and_is_refused_with_a_clear_message() {
    let bomb = zip_bomb(768);
    let limit = shouwang_service::registry::MAX_UPLOAD_BYTES;
    assert!(bomb.len() < limit / 8, "an upload well inside the limit ({} bytes) that unpacks to 768 MiB", bomb.len());
    let started = std::time::Instant::now();
    let read = reader(256, 30).read::<ResidentSheet>(&bomb, FileKind::Xlsx, "residents").await;
    let err = read.expect_err("the bomb is refused");
    assert_eq!(err, ReadError::TooBigUnpacked { limit_mib: 256 });
    assert!(started.elapsed() < Duration::from_secs(60), "stopped at its limit, not at the end of the file");
    let (zh, en) = (err.message(Lang::Zh), err.message(Lang::En));
    assert!(zh.contains("解压后太大") && zh.contains("256"), "{zh}");
    assert!(en.contains("unpacks to too much") && en.contains("256"), "{en}");
}

#[tokio::test]
async fn an_ordinary_roster_reads_under_the_same_limits() {
    let bytes = std::fs::read(MESSY).unwrap();
    let sheet = reader(256, 30).read::<ResidentSheet>(&bytes, FileKind::Xlsx, "residents").await.unwrap();
    assert!(!sheet.rows.is_empty());
    let csv = "姓名,楼号,室号\r\n李秀英,3,1201\r\n".as_bytes();
    let sheet = reader(256, 30).read::<ResidentSheet>(csv, FileKind::Csv, "residents").await.unwrap();
    assert_eq!(sheet.rows.len(), 1);
}

#[tokio::test]
async fn a_reader_past_its_cpu_time_is_stopped_and_the_file_refused() {
    // Empty rows cost the XML reader time but no memory: 1.5 GiB of `<row/>`.
    let slow = xlsx_with_sheet(SHEET_HEAD, b"<row/><row/><row/><row/>", (1536 << 20) / 24, "</sheetData></worksheet>");
    let read = reader(256, 1).read::<ResidentSheet>(&slow, FileKind::Xlsx, "residents").await;
    let err = read.expect_err("refused");
    assert_eq!(err, ReadError::TooSlow { limit_secs: 1 });
    assert!(err.message(Lang::Zh).contains("超时") && err.message(Lang::En).contains("took too long"));
}
