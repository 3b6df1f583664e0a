//! Tables in and out: reading CSV (UTF-8 or GB18030, as Excel in China saves it) and XLSX
//! uploads into rows of text, writing XLSX exports and import templates. Modules validate the
//! rows themselves and report [`RowError`]s; nothing here knows any business column.

use calamine::Reader;

use crate::error::{Error, Result};

/// Rows read from a file. `rows[i]` is spreadsheet row `i + 2` (row 1 holds the headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A column an import understands.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// English key, e.g. `id_number`.
    pub key: &'static str,
    /// Chinese header, e.g. `身份证号`; either is accepted in a file.
    pub label: &'static str,
    pub required: bool,
    /// What goes in it, shown in the template's notes.
    pub note: &'static str,
    /// An example value for the template.
    pub example: &'static str,
}

impl Column {
    /// The header of an export meant to be imported again: `身份证号（id_number）`, which
    /// [`Table::locate`] accepts as well as either part alone.
    pub fn header(&self) -> String {
        format!("{}（{}）", self.label, self.key)
    }
}

/// One problem in one cell (or row) of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row number (headers are row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// How an import treats bad rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Any bad row rejects the whole file.
    AllOrNothing,
    /// Good rows are imported; bad rows are returned as rejects.
    SkipBad,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub total: usize,
    pub inserted: usize,
    pub updated: usize,
    pub rejected: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
}

impl ImportReport {
    /// Counts one written row: new, or an update of an existing one.
    pub fn count(&mut self, inserted: bool) {
        if inserted { self.inserted += 1 } else { self.updated += 1 }
    }

    /// Rows (not cells) rejected.
    pub fn rejected_rows(&self) -> usize {
        self.rejected.iter().map(|e| e.row).collect::<std::collections::HashSet<_>>().len()
    }
}

/// Data rows of a sheet or CSV file (below its header row).
pub const MAX_ROWS: usize = 200_000;
/// Columns of a sheet or CSV file, from its first to its last used column.
pub const MAX_COLUMNS: usize = 256;
/// Cells kept from one file: the used area (rows × columns) of every sheet read.
pub const MAX_CELLS: usize = 5_000_000;
/// Uncompressed size of all the parts of an .xlsx together, as its zip directory declares them
/// (the zip reader refuses to inflate a part past its declared size).
pub const MAX_UNZIPPED_BYTES: u64 = 256 << 20;

/// What reading one uploaded file may cost. A file over any bound is refused with a 4xx and a
/// message saying what to change, before anything is allocated in proportion to what the file
/// claims: a sheet's used range, a part's declared size, a count in its XML.
#[derive(Clone, Copy, Debug)]
struct Limits {
    rows: usize,
    columns: usize,
    cells: usize,
    /// Bytes of cell text kept from one file (a shared string is copied into every cell that
    /// refers to it).
    text_bytes: usize,
    /// Parts (zip entries) of an .xlsx.
    parts: usize,
    unzipped_bytes: u64,
    /// Largest uncompressed / compressed ratio of a part larger than `ratio_floor` bytes.
    ratio: u64,
    ratio_floor: u64,
    /// Strings of an .xlsx's shared-string table, declared (`uniqueCount`) or present.
    shared_strings: usize,
    /// What the spreadsheet reader builds for a workbook's cell formats (see `scan_styles`).
    style_bytes: u64,
}

const LIMITS: Limits = Limits {
    rows: MAX_ROWS,
    columns: MAX_COLUMNS,
    cells: MAX_CELLS,
    text_bytes: 256 << 20,
    parts: 1_000,
    unzipped_bytes: MAX_UNZIPPED_BYTES,
    ratio: 250,
    ratio_floor: 1 << 20,
    shared_strings: MAX_CELLS,
    style_bytes: 256 << 20,
};

/// Files parsed at once in this process: at the bounds above one may take up to about a GB
/// (the reader's shared strings and formats, the cells and text kept).
const PARALLEL_READS: usize = 2;
static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PARALLEL_READS);

/// Reads an uploaded file by its extension: `.csv` / `.txt` (UTF-8 or GB18030), or the first
/// sheet of an `.xlsx` / `.xlsm`. Parses on a blocking thread, never on the async workers, two
/// files at most at once; see [`parse`] for the bounds.
pub async fn read(bytes: impl Into<Vec<u8>>, filename: &str) -> Result<Table> {
    let (bytes, filename) = (bytes.into(), filename.to_string());
    off_the_workers(move || parse(&bytes, &filename)).await
}

/// Every sheet of an Excel workbook by name, in workbook order (for imports of several kinds
/// at once). Sheets without a header row come back with empty headers. Off the async workers
/// like [`read`]; see [`parse_workbook`].
pub async fn read_workbook(bytes: impl Into<Vec<u8>>, filename: &str) -> Result<Vec<(String, Table)>> {
    let (bytes, filename) = (bytes.into(), filename.to_string());
    off_the_workers(move || parse_workbook(&bytes, &filename)).await
}

/// [`read`] on the calling thread (the command line, tests). Refuses, with a 4xx: more than
/// [`MAX_ROWS`] rows, [`MAX_COLUMNS`] columns or [`MAX_CELLS`] cells; an .xlsx over
/// [`MAX_UNZIPPED_BYTES`] unzipped, with a part compressed more than 250:1, or with a
/// shared-string table or cell formats out of proportion; legacy `.xls`.
pub fn parse(bytes: &[u8], filename: &str) -> Result<Table> {
    parse_with(bytes, filename, &LIMITS)
}

/// [`read_workbook`] on the calling thread, with the bounds of [`parse`] (cells and text
/// counted over all sheets together).
pub fn parse_workbook(bytes: &[u8], filename: &str) -> Result<Vec<(String, Table)>> {
    parse_workbook_with(bytes, filename, &LIMITS)
}

async fn off_the_workers<T: Send + 'static>(parse: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let permit = READS.acquire().await.map_err(|e| Error::Internal(e.into()))?;
    let parsed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        parse()
    })
    .await;
    match parsed {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            tracing::error!("reading an uploaded file panicked: {e}");
            Err(Error::bad_request("malformed_file", "无法读取文件：内容格式异常"))
        }
        Err(e) => Err(Error::Internal(e.into())),
    }
}

enum FileKind {
    Csv,
    Xlsx,
}

fn kind_of(filename: &str, workbook: bool) -> Result<FileKind> {
    let lower = filename.to_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        Ok(FileKind::Xlsx)
    } else if lower.ends_with(".xls") {
        // BIFF is parsed whole into dense ranges: no bounds can be kept reading it.
        Err(Error::bad_request("unsupported_file", "不支持旧版 Excel 97-2003（.xls）文件，请在 Excel 中另存为 .xlsx 后重试"))
    } else if workbook {
        Err(Error::bad_request("unsupported_file", "仅支持 .xlsx 文件"))
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        Ok(FileKind::Csv)
    } else {
        Err(Error::bad_request("unsupported_file", "仅支持 .csv 或 .xlsx 文件"))
    }
}

fn parse_with(bytes: &[u8], filename: &str, limits: &Limits) -> Result<Table> {
    let table = match kind_of(filename, false)? {
        FileKind::Csv => parse_csv(bytes, limits)?,
        FileKind::Xlsx => {
            let (mut book, meter) = open_xlsx(bytes, limits)?;
            let first = book.sheet_names().into_iter().next();
            let first = first.ok_or_else(|| Error::bad_request("empty_file", "Excel 文件中没有工作表"))?;
            sheet_table(&mut book, &meter, &first, &mut Budget::new(limits))?
        }
    };
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(Error::bad_request("empty_file", "文件为空或缺少表头行"));
    }
    if table.rows.len() > limits.rows {
        return Err(Error::bad_request("too_many_rows", format!("单次最多导入 {} 行，请拆分文件", limits.rows)));
    }
    Ok(table)
}

fn parse_workbook_with(bytes: &[u8], filename: &str, limits: &Limits) -> Result<Vec<(String, Table)>> {
    kind_of(filename, true)?;
    let (mut book, meter) = open_xlsx(bytes, limits)?;
    let mut budget = Budget::new(limits);
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let table = sheet_table(&mut book, &meter, &name, &mut budget)?;
        out.push((name, table));
    }
    Ok(out)
}

fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn parse_csv(bytes: &[u8], limits: &Limits) -> Result<Table> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut cells = 0usize;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = record.map_err(|e| match line {
            1 => Error::bad_request("malformed_csv", format!("CSV 格式错误: {e}")),
            _ => Error::bad_request("malformed_csv", format!("CSV 第 {line} 行格式错误: {e}")),
        })?;
        if record.len() > limits.columns {
            return Err(Error::bad_request(
                "too_many_columns",
                format!("CSV 第 {line} 行有 {} 列，超过 {} 列，请删除多余的列后重试", record.len(), limits.columns),
            ));
        }
        cells += record.len();
        if cells > limits.cells {
            return Err(too_many_cells(limits));
        }
        rows.push(record.iter().map(|s| s.trim().to_string()).collect::<Vec<String>>());
        if rows.len() > limits.rows + 1 {
            break;
        }
    }
    let mut rows = rows.into_iter();
    let headers = rows.next().unwrap_or_default();
    Ok(Table { headers, rows: drop_blank(rows.collect()) })
}

fn drop_blank(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut rows = rows;
    while rows.last().is_some_and(|r: &Vec<String>| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    rows
}

impl Table {
    /// Maps each known column to its index in the file; unknown headers and missing required
    /// columns are errors (row 1).
    pub fn locate(&self, columns: &[Column]) -> std::result::Result<Vec<Option<usize>>, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut found = vec![None; columns.len()];
        for (i, h) in self.headers.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            match columns.iter().position(|c| c.key.eq_ignore_ascii_case(h) || c.label == h || c.header() == *h) {
                Some(ci) if found[ci].is_some() => errors.push(RowError { row: 1, column: h.clone(), message: "列重复".into() }),
                Some(ci) => found[ci] = Some(i),
                None => errors
                    .push(RowError { row: 1, column: h.clone(), message: "无法识别的列（请使用导入模板的表头）".into() }),
            }
        }
        for (ci, c) in columns.iter().enumerate() {
            if c.required && found[ci].is_none() {
                errors.push(RowError { row: 1, column: c.label.into(), message: "缺少必填列".into() });
            }
        }
        if errors.is_empty() { Ok(found) } else { Err(errors) }
    }
}

/// Gets a cell of a row by located column index.
pub fn cell(row: &[String], index: Option<usize>) -> &str {
    index.and_then(|i| row.get(i)).map(String::as_str).unwrap_or("")
}

mod write;
mod xlsx;

pub use write::{template_xlsx, write_workbook, write_xlsx};
use xlsx::*;

#[cfg(test)]
mod tests;
