//! Excel and CSV in and out for resident rosters and volunteer lists.
//!
//! Reading turns the bytes of a roster as neighbourhood committees keep them
//! (.xlsx, .xls, or CSV in UTF-8, GBK or UTF-16) into [`RawResidentRow`]s: it
//! finds the header row under title rows, maps Chinese column names to
//! [`Field`]s, fills merged cells down, skips blank rows and keeps the row
//! numbers the user sees in Excel. It does not judge the values: that is
//! `shouwang_domain::parse_row`'s job, so every rule about a phone or an ID
//! number lives in one place.
//!
//! Writing ([`write_residents_xlsx`], [`write_residents_csv`]) produces files
//! that read back through [`read_residents`] to the same records.
//!
//! Volunteer lists (双报到) read the same way through [`read_volunteers`]
//! into [`shouwang_domain::RawVolunteerRow`]s; only the columns differ.
//!
//! Start reading at [`read_residents`]; the format-specific code is in
//! `read.rs` (Excel) and `csv_text.rs`, and both feed rows to the one
//! `collect::Collector`, which holds every rule about headers and rows. What
//! differs between residents and volunteers (header names, required columns,
//! the row type) is a `collect::Layout`: `headers::Plan` and
//! `volunteers::VolunteerPlan`.

mod collect;
mod csv_text;
mod export;
mod headers;
mod read;
mod supplies;
mod volunteers;

use std::path::Path;

use shouwang_domain::{BirthColumn, Lang, RawResidentRow};

pub use export::{ExportError, ExportMeta, ExportRow, write_residents_csv, write_residents_xlsx};
pub use supplies::{RunExportRow, write_runs_xlsx};
pub use volunteers::{VolunteerField, VolunteerSheet, read_volunteers};

/// The most data rows one file may hold. Larger rosters are split by the user.
pub const MAX_ROWS: usize = 300_000;

/// The formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Xlsx,
    Xls,
    /// Comma, tab or semicolon separated text (also Excel's "Unicode text" .txt).
    Csv,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Xlsx => "xlsx",
            FileKind::Xls => "xls",
            FileKind::Csv => "csv",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        match s {
            "xlsx" => Some(FileKind::Xlsx),
            "xls" => Some(FileKind::Xls),
            "csv" => Some(FileKind::Csv),
            _ => None,
        }
    }

    /// The kind a file name's extension announces, ignoring case.
    pub fn from_path(p: &Path) -> Option<FileKind> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(FileKind::Xlsx),
            "xls" => Some(FileKind::Xls),
            // Excel's "Unicode text" export is a tab-separated .txt.
            "csv" | "tsv" | "txt" => Some(FileKind::Csv),
            _ => None,
        }
    }
}

/// Which resident field a header maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Field {
    Name,
    Gender,
    Birth(BirthColumn),
    Phone,
    IdCard,
    Compound,
    Building,
    Room,
    Tags,
}

impl Field {
    /// The column name as our own template and exports write it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Field::Name => lang.pick("姓名", "name"),
            Field::Gender => lang.pick("性别", "gender"),
            Field::Birth(BirthColumn::Year) => lang.pick("出生年份", "year of birth"),
            Field::Birth(BirthColumn::Date) => lang.pick("出生日期", "date of birth"),
            Field::Birth(BirthColumn::Age) => lang.pick("年龄", "age"),
            Field::Phone => lang.pick("手机", "phone"),
            Field::IdCard => lang.pick("身份证号", "ID number"),
            Field::Compound => lang.pick("小区", "compound"),
            Field::Building => lang.pick("楼号", "building"),
            Field::Room => lang.pick("室号", "room"),
            Field::Tags => lang.pick("标签", "tags"),
        }
    }
}

/// A roster as read from a file, before any field is checked. Serializable,
/// so a file can be parsed in a child process and handed back as JSON.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ResidentSheet {
    /// The sheet the roster was found on; "csv" for text files.
    pub sheet_name: String,
    /// The header's row number as the spreadsheet shows it (CSV: line number).
    pub header_row: u32,
    /// The recognised columns in file order, with the header text as written.
    pub columns: Vec<(Field, String)>,
    /// Data rows only, blank rows skipped, in file order.
    pub rows: Vec<RawResidentRow>,
}

/// Why a whole file could not be read. Per-row problems are not here: they are
/// the domain's `RejectReason`s.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ReadError {
    /// Corrupt, or not a spreadsheet at all. The detail is for logs.
    Unreadable(String),
    /// No row with 姓名 and at least two other known headers in the first 30
    /// non-empty rows of any sheet.
    NoHeaderRow,
    /// The header row lacks required columns (building, room).
    MissingColumns(Vec<Field>),
    TooManyRows {
        limit: usize,
    },
    /// Two columns mean the same field (e.g. 手机 and 电话): we will not guess.
    DuplicateColumn(Field),
    /// A volunteer list: no row with 姓名 and at least one other known
    /// header in the first 30 non-empty rows of any sheet.
    NoVolunteerHeaderRow,
    /// A volunteer list's header row lacks required columns (the phone).
    MissingVolunteerColumns(Vec<VolunteerField>),
    /// A volunteer list has two columns for a field that takes one.
    DuplicateVolunteerColumn(VolunteerField),
    /// Reading needed more memory than the reader may use (a file that
    /// unpacks to far more than its size, such as a zip bomb).
    TooBigUnpacked {
        limit_mib: u64,
    },
    /// Reading took longer than the reader may (CPU time or wall clock).
    TooSlow {
        limit_secs: u64,
    },
    /// Every reader was busy with other uploads: try again shortly.
    Busy,
}

impl ReadError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ReadError::Unreadable(detail) => match lang {
                // The technical detail means nothing to a committee secretary.
                Lang::Zh => "文件无法读取：文件可能已损坏，或不是Excel/CSV文件。请用Excel打开后“另存为”.xlsx格式再上传".into(),
                Lang::En => format!("the file could not be read as a spreadsheet ({detail})"),
            },
            ReadError::NoHeaderRow => lang
                .pick(
                    "没有找到表头：第一张表的前30行里应有“姓名”“楼号”“室号”等列名",
                    "no header row found: within its first 30 rows the sheet should have column names such as 姓名 (name), 楼号 (building) and 室号 (room)",
                )
                .into(),
            ReadError::MissingColumns(fields) => {
                missing_columns_message(lang, fields.iter().map(|f| (f.label(Lang::Zh), f.label(Lang::En))))
            }
            ReadError::TooManyRows { limit } => match lang {
                Lang::Zh => format!("数据行太多：一个文件最多{limit}行，请拆分成几个文件分别导入"),
                Lang::En => format!("too many rows: at most {limit} per file; split the file and import the parts"),
            },
            ReadError::DuplicateColumn(field) => {
                duplicate_column_message(lang, field.label(Lang::Zh), field.label(Lang::En))
            }
            ReadError::NoVolunteerHeaderRow => lang
                .pick(
                    "没有找到表头：第一张表的前30行里应有“姓名”“手机”等列名（还可以有“工作单位”“所在党组织”“类别”等）",
                    "no header row found: within its first 30 rows the sheet should have column names such as 姓名 (name) and 手机 (phone)",
                )
                .into(),
            ReadError::MissingVolunteerColumns(fields) => {
                missing_columns_message(lang, fields.iter().map(|f| (f.label(Lang::Zh), f.label(Lang::En))))
            }
            ReadError::DuplicateVolunteerColumn(field) => {
                duplicate_column_message(lang, field.label(Lang::Zh), field.label(Lang::En))
            }
            ReadError::TooBigUnpacked { limit_mib } => {
                shouwang_domain::i18n::t_with(lang, "uploads.too_big_unpacked", &[("mib", limit_mib)])
            }
            ReadError::TooSlow { limit_secs } => {
                shouwang_domain::i18n::t_with(lang, "uploads.too_slow", &[("secs", limit_secs)])
            }
            ReadError::Busy => shouwang_domain::i18n::t(lang, "uploads.busy"),
        }
    }

    /// Whether the error is a verdict on a header row that was found (as
    /// opposed to a damaged or oversized file).
    pub(crate) fn is_about_the_header(&self) -> bool {
        matches!(
            self,
            ReadError::MissingColumns(_)
                | ReadError::DuplicateColumn(_)
                | ReadError::MissingVolunteerColumns(_)
                | ReadError::DuplicateVolunteerColumn(_)
        )
    }
}

/// Fields given as (Chinese label, English label).
fn missing_columns_message<'a>(lang: Lang, fields: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    match lang {
        Lang::Zh => {
            let names: Vec<String> = fields.map(|(zh, _)| format!("“{zh}”")).collect();
            format!("表头缺少必填列{}：请在表头行加上这些列后重新上传", names.join(""))
        }
        Lang::En => {
            let names: Vec<String> = fields.map(|(zh, en)| format!("{zh} ({en})")).collect();
            format!("the header row lacks required columns: {}", names.join(", "))
        }
    }
}

fn duplicate_column_message(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => format!("表头里有两列都表示“{zh}”（例如“手机”和“电话”同时出现），请删除或改名其中一列"),
        Lang::En => format!("two columns both mean {zh} ({en}), e.g. 手机 and 电话: delete or rename one of them"),
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ReadError {}

/// Reads a resident roster. `kind` usually comes from [`FileKind::from_path`];
/// for Excel kinds the bytes decide between .xlsx and .xls, because files are
/// often renamed.
pub fn read_residents(bytes: &[u8], kind: FileKind) -> Result<ResidentSheet, ReadError> {
    match kind {
        FileKind::Csv => csv_text::read::<headers::Plan>(bytes),
        FileKind::Xlsx | FileKind::Xls => read::read_workbook::<headers::Plan>(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_extension_in_any_case() {
        assert_eq!(FileKind::from_path(Path::new("名单.XLSX")), Some(FileKind::Xlsx));
        assert_eq!(FileKind::from_path(Path::new("a/b/名单.xls")), Some(FileKind::Xls));
        assert_eq!(FileKind::from_path(Path::new("名单.Csv")), Some(FileKind::Csv));
        assert_eq!(FileKind::from_path(Path::new("名单.txt")), Some(FileKind::Csv));
        assert_eq!(FileKind::from_path(Path::new("名单.docx")), None);
        assert_eq!(FileKind::from_path(Path::new("名单")), None);
    }

    #[test]
    fn every_error_has_a_chinese_and_an_english_message() {
        let errors = [
            ReadError::Unreadable("zip error".into()),
            ReadError::NoHeaderRow,
            ReadError::MissingColumns(vec![Field::Building, Field::Room]),
            ReadError::TooManyRows { limit: MAX_ROWS },
            ReadError::DuplicateColumn(Field::Phone),
            ReadError::NoVolunteerHeaderRow,
            ReadError::MissingVolunteerColumns(vec![VolunteerField::Phone]),
            ReadError::DuplicateVolunteerColumn(VolunteerField::Phone),
        ];
        for e in errors {
            let zh = e.message(Lang::Zh);
            let en = e.message(Lang::En);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            assert!(en.starts_with(|c: char| c.is_ascii_lowercase()), "{en}");
            assert_ne!(zh, en);
        }
        assert!(!ReadError::Unreadable("zip error".into()).message(Lang::Zh).contains("zip"));
        assert!(ReadError::MissingColumns(vec![Field::Room]).message(Lang::Zh).contains("室号"));
        assert!(ReadError::DuplicateColumn(Field::Phone).message(Lang::Zh).contains("手机"));
        assert!(ReadError::NoVolunteerHeaderRow.message(Lang::Zh).contains("手机"));
        assert!(!ReadError::NoVolunteerHeaderRow.message(Lang::Zh).contains("室号"));
        assert_eq!(
            ReadError::MissingVolunteerColumns(vec![VolunteerField::Phone]).message(Lang::Zh),
            "表头缺少必填列“手机”：请在表头行加上这些列后重新上传"
        );
        assert_eq!(
            ReadError::MissingVolunteerColumns(vec![VolunteerField::Phone]).message(Lang::En),
            "the header row lacks required columns: 手机 (phone)"
        );
    }
}
