//! Speed of the roster round trip at the sizes committees reach: prints
//! figures, asserts nothing about time. Run with `cargo bench -p shouwang-io`.

use std::hint::black_box;
use std::time::Instant;

use shouwang_domain::{Gender, Tag, TagSet};
use shouwang_io::{ExportMeta, ExportRow, FileKind, read_residents, write_residents_csv, write_residents_xlsx};

fn rows(n: u32) -> Vec<ExportRow> {
    (0..n)
        .map(|i| ExportRow {
            compound: format!("小区{}", i / 20_000),
            building: format!("{}号楼", i / 200 % 100),
            room: format!("{}", 101 + i % 200),
            name: format!("居民{i}"),
            gender: Some(if i % 2 == 0 { Gender::Male } else { Gender::Female }),
            birth_year: Some(1930 + (i % 90) as i32),
            phone: Some(format!("138{:08}", i)),
            id_masked: (i % 3 == 0).then(|| "110101********1234".to_string()),
            tags: if i % 7 == 0 { [Tag::ElderlyAlone, Tag::Dialysis].into_iter().collect() } else { TagSet::empty() },
            note: (i % 11 == 0).then(|| "租户".to_string()),
        })
        .collect()
}

/// A roster as Excel saves it: shared strings, 小区 and 楼号 merged down
/// every 200 rows, the phone as a number.
fn committee_xlsx(n: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let plain = rust_xlsxwriter::Format::new();
    sheet.merge_range(0, 0, 0, 5, "商一社区居民登记表", &plain).expect("title");
    for (col, h) in ["小区", "楼号", "室号", "姓名", "联系电话", "特殊情况"].into_iter().enumerate() {
        sheet.write_string(1, col as u16, h).expect("header");
    }
    for block in 0..n / 200 {
        let top = 2 + block * 200;
        sheet.merge_range(top, 0, top + 199, 0, "云飞雅苑", &plain).expect("merge");
        sheet.merge_range(top, 1, top + 199, 1, &format!("{block}号楼"), &plain).expect("merge");
    }
    for i in 0..n {
        let row = 2 + i;
        sheet.write_string(row, 2, format!("{}", 101 + i % 200)).expect("room");
        sheet.write_string(row, 3, format!("居民{i}")).expect("name");
        sheet.write_number(row, 4, 13_800_000_000.0 + f64::from(i)).expect("phone");
        if i % 7 == 0 {
            sheet.write_string(row, 5, "独居").expect("tags");
        }
    }
    book.save_to_buffer().expect("saved")
}

fn time<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{what:<40} {:>8.0} ms", start.elapsed().as_secs_f64() * 1000.0);
    out
}

fn main() {
    let meta =
        ExportMeta { community_name: "商一社区".into(), exported_by: "bench".into(), exported_at: "now".into() };
    for n in [10_000u32, 100_000] {
        let data = rows(n);
        let xlsx = time(&format!("write xlsx, {n} rows"), || write_residents_xlsx(&data, &meta).expect("xlsx"));
        let csv = time(&format!("write csv, {n} rows"), || write_residents_csv(&data, &meta).expect("csv"));
        let read = time(&format!("read xlsx, {n} rows ({} KB)", xlsx.len() / 1024), || {
            read_residents(black_box(&xlsx), FileKind::Xlsx).expect("read")
        });
        assert_eq!(read.rows.len(), n as usize);
        let read = time(&format!("read csv, {n} rows ({} KB)", csv.len() / 1024), || {
            read_residents(black_box(&csv), FileKind::Csv).expect("read")
        });
        assert_eq!(read.rows.len(), n as usize);
        let committee = committee_xlsx(n);
        let read = time(&format!("read committee xlsx, {n} rows ({} KB)", committee.len() / 1024), || {
            read_residents(black_box(&committee), FileKind::Xlsx).expect("read")
        });
        assert_eq!(read.rows.len(), n as usize);
    }
}
