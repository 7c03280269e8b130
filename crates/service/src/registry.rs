//! Services shared by the command line and (next) the upload pages: the
//! whole path from a spreadsheet's bytes to the registry and back.

use shouwang_db::DbError;
use shouwang_db::export::registry_rows;
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_domain::import::parse_row;
use shouwang_domain::{IdHasher, ImportReport, Lang, RegionCode, RejectedRow};
use shouwang_io::{ExportMeta, ExportRow, Field, FileKind, ReadError, ResidentSheet};

use shouwang_db::Db;

/// A file import that could not run at all (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    #[error("{}", .0.message(Lang::En))]
    Read(ReadError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing the export file failed (a bug or an exhausted disk, not the user's doing).
    #[error("export failed: {0}")]
    Export(String),
}

impl ImportFileError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportFileError::Read(e) => e.message(lang),
            ImportFileError::Db(e) => e.message(lang),
            ImportFileError::Export(_) => lang.pick("导出文件生成失败", "the export file could not be written").into(),
        }
    }
}

/// What an import read, for the report's heading.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub sheet_name: String,
    pub header_row: u32,
    pub rows_read: usize,
}

/// Reads, checks and applies a resident roster. Every row is either counted
/// (created / updated / unchanged) or rejected with its reason; valid rows go
/// in one transaction (none with `strict` if any row is rejected).
///
/// With `parser`, the file is read by that program (`shouwang parse-roster`)
/// in a child process: a malformed spreadsheet that makes the reader abort
/// (calamine trusts sizes written inside the file) ends the child, not the server.
#[allow(clippy::too_many_arguments)]
pub async fn import_resident_file(
    db: &Db,
    hasher: &IdHasher,
    community: &RegionCode,
    bytes: &[u8],
    kind: FileKind,
    options: ImportOptions,
    current_year: i32,
    parser: Option<&std::path::Path>,
) -> Result<ImportOutcome, ImportFileError> {
    let sheet = match parser {
        Some(exe) => read_in_child(exe, bytes, kind, "residents").await,
        None => {
            // Parsing is CPU work over a whole file: keep it off the async workers.
            let bytes = bytes.to_vec();
            tokio::task::spawn_blocking(move || shouwang_io::read_residents(&bytes, kind))
                .await
                .map_err(|e| ReadError::Unreadable(e.to_string()))
                .and_then(|r| r)
        }
    }
    .map_err(ImportFileError::Read)?;
    let columns = columns_present(&sheet);
    let mut records = Vec::with_capacity(sheet.rows.len());
    let mut rejected = Vec::new();
    for raw in &sheet.rows {
        match parse_row(raw, current_year) {
            Ok(r) => records.push(r),
            Err(reason) => rejected.push(RejectedRow { row: raw.row, reason }),
        }
    }
    let parsed = (sheet.sheet_name, sheet.header_row, sheet.rows.len(), columns, records, rejected);
    let (sheet_name, header_row, rows_read, columns, records, rejected) = parsed;
    let report = import_residents(db, community, records, rejected, columns, hasher, options).await?;
    Ok(ImportOutcome { report, sheet_name, header_row, rows_read })
}

/// How long a child parser may take before it is killed.
const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Reads a spreadsheet in a child process (`list`: "residents" or "volunteers").
pub(crate) async fn read_in_child<T: serde::de::DeserializeOwned>(
    exe: &std::path::Path,
    bytes: &[u8],
    kind: FileKind,
    list: &str,
) -> Result<T, ReadError> {
    use tokio::io::AsyncWriteExt;
    let failed = |what: &str| ReadError::Unreadable(format!("roster parser: {what}"));
    let mut child = tokio::process::Command::new(exe)
        .args(["parse-roster", "--kind", kind.as_str(), "--list", list])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(&e.to_string()))?;
    let mut stdin = child.stdin.take().ok_or_else(|| failed("no stdin"))?;
    let input = bytes.to_vec();
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
    });
    let output = tokio::time::timeout(PARSE_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| failed("timed out"))?
        .map_err(|e| failed(&e.to_string()))?;
    let _ = writer.await;
    if !output.status.success() {
        tracing::warn!(status = ?output.status, "roster parser failed; the file is refused");
        return Err(failed("crashed on this file"));
    }
    let result: Result<T, ReadError> = serde_json::from_slice(&output.stdout).map_err(|e| failed(&e.to_string()))?;
    result
}

fn columns_present(sheet: &ResidentSheet) -> ColumnsPresent {
    let has = |f: fn(&Field) -> bool| sheet.columns.iter().any(|(field, _)| f(field));
    ColumnsPresent {
        gender: has(|f| matches!(f, Field::Gender)),
        birth: has(|f| matches!(f, Field::Birth(_))),
        phone: has(|f| matches!(f, Field::Phone)),
        tags: has(|f| matches!(f, Field::Tags)),
    }
}

/// Writes a community's residents as .xlsx or .csv, with who exported and when.
pub async fn export_resident_file(
    db: &Db,
    community: &RegionCode,
    kind: FileKind,
    exported_by: &str,
    exported_at: &str,
) -> Result<(Vec<u8>, usize), ImportFileError> {
    let (community, rows) = registry_rows(&db.read, community).await?;
    let rows: Vec<ExportRow> = rows
        .into_iter()
        .map(|r| ExportRow {
            compound: r.compound,
            building: r.building,
            room: r.room,
            name: r.name,
            gender: r.gender,
            birth_year: r.birth_year,
            phone: r.phone,
            id_masked: r.id_masked,
            tags: r.tags,
            note: r.note,
        })
        .collect();
    let meta = ExportMeta {
        community_name: community.name,
        exported_by: exported_by.to_string(),
        exported_at: exported_at.to_string(),
    };
    let n = rows.len();
    let bytes = tokio::task::spawn_blocking(move || match kind {
        FileKind::Csv => shouwang_io::write_residents_csv(&rows, &meta),
        FileKind::Xlsx | FileKind::Xls => shouwang_io::write_residents_xlsx(&rows, &meta),
    })
    .await
    .map_err(|e| ImportFileError::Export(e.to_string()))?
    .map_err(|e| ImportFileError::Export(e.to_string()))?;
    Ok((bytes, n))
}
