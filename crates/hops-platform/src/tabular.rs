//! Tables in and out: reading CSV (UTF-8 or GB18030, as Excel in China saves it) and XLSX
//! uploads into rows of text, writing XLSX exports and import templates. Modules validate the
//! rows themselves and report [`RowError`]s; nothing here knows any business column.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use quick_xml::events::Event;
use rust_xlsxwriter::{Format, Workbook};

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

/// A cell as text: strings trimmed, whole numbers without ".0", dates as `YYYY-MM-DD`.
fn cell_text<'c>(d: &'c DataRef<'_>) -> Cow<'c, str> {
    match d {
        DataRef::Empty => Cow::Borrowed(""),
        DataRef::String(s) => Cow::Borrowed(s.trim()),
        DataRef::SharedString(s) => Cow::Borrowed(s.trim()),
        DataRef::Int(i) => i.to_string().into(),
        // Whole numbers (phone numbers, codes typed as numbers) without a trailing ".0".
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64).into(),
        DataRef::Float(f) => f.to_string().into(),
        DataRef::Bool(b) => b.to_string().into(),
        DataRef::DateTime(dt) => excel_serial_to_text(dt.as_f64()).into(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s),
        DataRef::Error(e) => format!("#ERROR {e:?}").into(),
    }
}

/// Excel serial day numbers (1900 system) to `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`.
fn excel_serial_to_text(serial: f64) -> String {
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let base = jiff::civil::date(1899, 12, 30);
    let Ok(date) = base.checked_add(jiff::Span::new().days(days)) else { return serial.to_string() };
    if secs == 0 { date.to_string() } else { format!("{date} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60) }
}

/// Spreadsheet column letters of a 0-based column: 0 → A, 26 → AA, 16383 → XFD.
fn column_name(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

fn file_too_large(message: String) -> Error {
    Error::client(413, "file_too_large", message)
}

fn too_many_cells(limits: &Limits) -> Error {
    Error::client(
        413,
        "too_many_cells",
        format!("文件内容超过 {} 个单元格（已用区域的行数 × 列数），请删除多余的行、列或拆分文件后重试", limits.cells),
    )
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::bad_request("malformed_xlsx", format!("无法读取 Excel 文件: {e}"))
}

/// Opens an .xlsx after [`inspect_zip`] found it sound, reading it through a [`Meter`].
fn open_xlsx<'b>(bytes: &'b [u8], limits: &Limits) -> Result<(Xlsx<Metered<'b>>, Meter)> {
    inspect_zip(bytes, limits)?;
    let meter = Meter(Rc::new(Cell::new(bytes.len() as u64 * 3 + (1 << 20))));
    let book = Xlsx::new(Metered { inner: Cursor::new(bytes), meter: meter.clone() }).map_err(|e| meter.or(malformed(e)))?;
    Ok((book, meter))
}

/// The compressed bytes the spreadsheet reader may still read. A workbook is read about once;
/// one whose sheets all name the same large part would otherwise be inflated once per sheet.
#[derive(Clone)]
struct Meter(Rc<Cell<u64>>);

impl Meter {
    /// `e`, unless the reader failed because the meter ran out.
    fn or(&self, e: Error) -> Error {
        if self.0.get() > 0 { e } else { file_too_large("Excel 文件的工作表重复引用同一部分内容，已拒绝读取".into()) }
    }
}

struct Metered<'b> {
    inner: Cursor<&'b [u8]>,
    meter: Meter,
}

impl Read for Metered<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.meter.0.get();
        if left == 0 && !buf.is_empty() {
            return Err(std::io::Error::other("read budget exhausted"));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.meter.0.set(left - n as u64);
        Ok(n)
    }
}

impl Seek for Metered<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Checks an .xlsx before the spreadsheet reader opens it, from its zip directory (nothing
/// inflated): how many parts, their declared sizes and compression ratios. Then scans the two
/// parts the reader loads whole into memory when it opens a workbook: the shared strings and
/// the cell formats.
fn inspect_zip(bytes: &[u8], limits: &Limits) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(malformed)?;
    if zip.len() > limits.parts {
        return Err(file_too_large(format!("Excel 文件包含 {} 个部分，超过 {} 个，无法读取", zip.len(), limits.parts)));
    }
    let mut total = 0u64;
    let mut scans = Vec::new();
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(malformed)?;
        let (size, packed) = (part.size(), part.compressed_size());
        total = total.saturating_add(size);
        if size > limits.ratio_floor && size / packed.max(1) > limits.ratio {
            return Err(Error::client(
                422,
                "zip_bomb",
                format!("Excel 文件的压缩比异常（解压后是压缩时的 {} 倍），疑似“压缩炸弹”，已拒绝读取", size / packed.max(1)),
            ));
        }
        // The reader finds parts by name case-insensitively, with `\` as `/`.
        let name = part.name().map_err(malformed)?.replace('\\', "/").to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            scans.push((i, Part::SharedStrings));
        } else if name.ends_with("styles.xml") {
            scans.push((i, Part::Styles));
        }
    }
    if total > limits.unzipped_bytes {
        return Err(file_too_large(format!(
            "Excel 文件解压后约 {} MB，超过 {} MB，请拆分文件后重试",
            total.div_ceil(1 << 20),
            limits.unzipped_bytes >> 20
        )));
    }
    for (i, part) in scans {
        let file = zip.by_index(i).map_err(malformed)?;
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(file));
        let config = xml.config_mut();
        config.check_end_names = false;
        config.check_comments = false;
        config.trim_text(false);
        match part {
            Part::SharedStrings => scan_shared_strings(&mut xml, limits)?,
            Part::Styles => scan_styles(&mut xml, limits)?,
        }
    }
    Ok(())
}

enum Part {
    SharedStrings,
    Styles,
}

/// A count as the spreadsheet reader may read it: every digit, so no spelling slips past.
fn declared_count(value: &str) -> usize {
    value.bytes().filter(u8::is_ascii_digit).fold(0usize, |n, d| n.saturating_mul(10).saturating_add(usize::from(d - b'0')))
}

/// The shared-string table: the reader reserves room for the count it declares
/// (`uniqueCount`; a 1 KB file declaring billions aborts the process) and keeps every string.
fn scan_shared_strings<R: BufRead>(xml: &mut quick_xml::Reader<R>, limits: &Limits) -> Result<()> {
    let too_many = || file_too_large(format!("Excel 文件的共享字符串超过 {} 条，请拆分文件后重试", limits.shared_strings));
    let mut buf = Vec::new();
    let mut strings = 0usize;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                "sst" => {
                    for a in e.attributes().with_checks(false) {
                        let a = a.map_err(|e| malformed(format!("共享字符串表格式错误: {e}")))?;
                        if a.key.local_name().as_ref() == "uniqueCount" && declared_count(&a.value) > limits.shared_strings {
                            return Err(too_many());
                        }
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > limits.shared_strings {
                        return Err(too_many());
                    }
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "sst" => return Ok(()),
            Ok(Event::Eof) => return Ok(()),
            Err(e) => return Err(malformed(format!("共享字符串表格式错误: {e}"))),
            Ok(_) => {}
        }
    }
}

/// Roughly what the reader's own style record takes, besides the strings it copies.
const STYLE_BYTES: u64 = 1024;

/// Cell formats: the reader copies the font (with its name) and the number format (with its
/// code) of every `xf` into a style of its own, so a 1 MB font name and 700,000 short `xf`s
/// ask it for 700 GB. What it would build is taken as formats × (a style + the largest font +
/// the largest number format), and bounded.
fn scan_styles<R: BufRead>(xml: &mut quick_xml::Reader<R>, limits: &Limits) -> Result<()> {
    let (mut formats, mut font, mut number_format) = (0u64, 0u64, 0u64);
    let mut font_start = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let before = xml.buffer_position();
        let event = xml.read_event_into(&mut buf).map_err(|e| malformed(format!("单元格格式表格式错误: {e}")))?;
        let after = xml.buffer_position();
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "xf" => formats += 1,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "numFmt" => number_format = number_format.max(after - before),
            Event::Empty(e) if e.local_name().as_ref() == "font" => font = font.max(after - before),
            Event::Start(e) if e.local_name().as_ref() == "font" => font_start = font_start.or(Some(before)),
            Event::End(e) if e.local_name().as_ref() == "font" => {
                if let Some(start) = font_start.take() {
                    font = font.max(after - start);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if formats.saturating_mul(STYLE_BYTES + font + number_format) > limits.style_bytes {
        return Err(file_too_large(format!("Excel 文件的单元格格式过多或过大（{formats} 种），请清除格式（或另存为 CSV）后重试")));
    }
    Ok(())
}

/// What is left to keep of one file: cells and text, over all its sheets.
struct Budget<'l> {
    limits: &'l Limits,
    cells: usize,
    text: usize,
}

impl<'l> Budget<'l> {
    fn new(limits: &'l Limits) -> Self {
        Budget { limits, cells: limits.cells, text: limits.text_bytes }
    }

    fn keep_text(&mut self, text: Cow<'_, str>) -> Result<String> {
        if text.len() > self.text {
            return Err(file_too_large(format!("文件中的文字超过 {} MB，请拆分文件后重试", self.limits.text_bytes >> 20)));
        }
        self.text -= text.len();
        Ok(text.into_owned())
    }
}

/// One sheet, cell by cell (never as a dense range of its declared or used area, which a 5 KB
/// file can make 17 billion cells): the used area of its non-empty cells, headers in its first
/// row, within the budget.
fn sheet_table<RS: Read + Seek>(book: &mut Xlsx<RS>, meter: &Meter, sheet: &str, budget: &mut Budget) -> Result<Table> {
    let limits = *budget.limits;
    let unreadable = |e: XlsxError| meter.or(Error::bad_request("malformed_xlsx", format!("无法读取工作表「{sheet}」: {e}")));
    let mut cells_reader = match book.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        // A chart sheet: no cells.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Table { headers: Vec::new(), rows: Vec::new() }),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    while let Some(cell) = cells_reader.next_cell().map_err(unreadable)? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        (top, bottom, left, right) = (top.min(r), bottom.max(r), left.min(c), right.max(c));
        let (height, width) = ((bottom - top) as usize + 1, (right - left) as usize + 1);
        if width > limits.columns {
            return Err(Error::bad_request(
                "too_many_columns",
                format!(
                    "工作表「{sheet}」超过 {} 列（已用到 {} 列至 {} 列），请删除多余的列后重试",
                    limits.columns,
                    column_name(left),
                    column_name(right)
                ),
            ));
        }
        if height > limits.rows + 1 {
            return Err(Error::bad_request("too_many_rows", format!("工作表「{sheet}」超过 {} 行，请拆分文件", limits.rows)));
        }
        if height.saturating_mul(width) > budget.cells || cells.len() >= budget.cells {
            return Err(too_many_cells(&limits));
        }
        let text = budget.keep_text(cell_text(cell.get_value()))?;
        cells.push(((r, c), text));
    }
    drop(cells_reader);
    if cells.is_empty() {
        return Ok(Table { headers: Vec::new(), rows: Vec::new() });
    }
    let (height, width) = ((bottom - top) as usize + 1, (right - left) as usize + 1);
    budget.cells -= height * width;
    let mut grid = vec![vec![String::new(); width]; height];
    for ((r, c), text) in cells {
        grid[(r - top) as usize][(c - left) as usize] = text;
    }
    let mut rows = grid.into_iter();
    let headers = rows.next().unwrap_or_default();
    Ok(Table { headers, rows: drop_blank(rows.collect()) })
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

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(anyhow::anyhow!("xlsx: {e}"))
}

/// Adds a sheet with a bold, frozen header row and text cells.
fn add_sheet<H: AsRef<str>>(book: &mut Workbook, sheet: &str, headers: &[H], rows: &[Vec<String>]) -> Result<()> {
    let bold = Format::new().set_bold().set_background_color("#E8F1F8");
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(xlsx_err)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h.as_ref(), &bold).map_err(xlsx_err)?;
        ws.set_column_width(c as u16, 16).map_err(xlsx_err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, v).map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

/// Writes one sheet with a bold, frozen header row.
pub fn write_xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    add_sheet(&mut book, sheet, headers, rows)?;
    book.save_to_buffer().map_err(xlsx_err)
}

/// Writes several named sheets, each like [`write_xlsx`]'s (read back by [`read_workbook`]).
pub fn write_workbook(sheets: &[(&str, Table)]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    for (name, table) in sheets {
        add_sheet(&mut book, name, &table.headers, &table.rows)?;
    }
    book.save_to_buffer().map_err(xlsx_err)
}

/// An import template: the header row with one example row, and a sheet explaining columns.
pub fn template_xlsx(sheet: &str, columns: &[Column]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#E8F1F8");
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(xlsx_err)?;
    for (c, col) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, col.label, &bold).map_err(xlsx_err)?;
        ws.write_string(1, c as u16, col.example).map_err(xlsx_err)?;
        ws.set_column_width(c as u16, 18).map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    let notes = book.add_worksheet();
    notes.set_name("填写说明").map_err(xlsx_err)?;
    for (c, h) in ["列名", "英文列名", "必填", "说明"].iter().enumerate() {
        notes.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_err)?;
    }
    for (r, col) in columns.iter().enumerate() {
        let r = (r + 1) as u32;
        notes.write_string(r, 0, col.label).map_err(xlsx_err)?;
        notes.write_string(r, 1, col.key).map_err(xlsx_err)?;
        notes.write_string(r, 2, if col.required { "是" } else { "否" }).map_err(xlsx_err)?;
        notes.write_string(r, 3, col.note).map_err(xlsx_err)?;
    }
    notes.set_column_width(3, 60).map_err(xlsx_err)?;
    book.save_to_buffer().map_err(xlsx_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column { key: "code", label: "编码", required: true, note: "", example: "CARD" },
        Column { key: "name", label: "名称", required: true, note: "", example: "心内科" },
        Column { key: "phone", label: "电话", required: false, note: "", example: "" },
    ];

    #[test]
    fn csv_utf8_with_bom_and_gbk() {
        let t = parse("\u{feff}编码,名称\nCARD,心内科\n,\n".as_bytes(), "a.csv").unwrap();
        assert_eq!(t.headers, vec!["编码", "名称"]);
        assert_eq!(t.rows, vec![vec!["CARD".to_string(), "心内科".to_string()]]);
        let (gbk, _, _) = encoding_rs::GB18030.encode("编码,名称\nRESP,呼吸科\n");
        let t = parse(&gbk, "a.CSV").unwrap();
        assert_eq!(t.rows[0][1], "呼吸科");
    }

    #[test]
    fn xlsx_round_trip_through_template_writer() {
        let bytes = write_xlsx("科室", &["code", "name", "phone"], &[vec!["CARD".into(), "心内科".into(), "13812345678".into()]]).unwrap();
        let t = parse(&bytes, "x.xlsx").unwrap();
        assert_eq!(t.headers, vec!["code", "name", "phone"]);
        let idx = t.locate(COLS).unwrap();
        assert_eq!(cell(&t.rows[0], idx[2]), "13812345678");
        let tpl = template_xlsx("科室", COLS).unwrap();
        let t = parse(&tpl, "t.xlsx").unwrap();
        assert_eq!(t.headers, vec!["编码", "名称", "电话"]);
        assert!(t.locate(COLS).is_ok());
    }

    #[test]
    fn workbooks_of_several_sheets() {
        let cols = |c: &Column| c.header();
        let a = Table { headers: COLS.iter().map(cols).collect(), rows: vec![vec!["CARD".into(), "心内科".into(), "".into()]] };
        let b = Table { headers: vec!["x".into()], rows: vec![] };
        let bytes = write_workbook(&[("科室", a.clone()), ("空", b.clone())]).unwrap();
        let read = parse_workbook(&bytes, "w.xlsx").unwrap();
        assert_eq!(read, vec![("科室".to_string(), a.clone()), ("空".to_string(), b)]);
        assert_eq!(a.headers[0], "编码（code）");
        assert!(a.locate(COLS).is_ok(), "label（key） headers are understood");
        assert!(parse_workbook(b"a,b", "w.csv").is_err());
    }

    #[test]
    fn headers_are_checked() {
        let t = Table { headers: vec!["名称".into(), "颜色".into(), "name".into()], rows: vec![] };
        let errs = t.locate(COLS).unwrap_err();
        assert!(errs.iter().any(|e| e.column == "颜色" && e.message.contains("无法识别")));
        assert!(errs.iter().any(|e| e.column == "name" && e.message.contains("重复")));
        assert!(errs.iter().any(|e| e.column == "编码" && e.message.contains("缺少")));
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(parse(b"x", "a.pdf").is_err());
        assert!(parse(b"not a zip", "a.xlsx").is_err());
        assert!(parse(b"", "a.csv").is_err());
    }

    // ---- bounds ----

    /// A workbook written by the template writer with some parts replaced or added.
    fn patched(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let base = write_xlsx("表", &["编码", "名称"], &[vec!["CARD".into(), "心内科".into()]]).unwrap();
        let mut from = zip::ZipArchive::new(Cursor::new(base)).unwrap();
        let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut names = Vec::new();
        for i in 0..from.len() {
            let mut f = from.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            let bytes = parts.iter().find(|(n, _)| *n == name).map(|(_, b)| b.clone()).unwrap_or(bytes);
            to.start_file(name.as_str(), deflated).unwrap();
            to.write_all(&bytes).unwrap();
            names.push(name);
        }
        for (name, bytes) in parts.iter().filter(|(n, _)| !names.iter().any(|m| m == n)) {
            to.start_file(*name, deflated).unwrap();
            to.write_all(bytes).unwrap();
        }
        to.finish().unwrap().into_inner()
    }

    /// A sheet of inline-string cells at the given references (after an optional dimension).
    fn sheet(dimension: Option<&str>, cells: &[(&str, &str)]) -> Vec<u8> {
        let mut x = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        if let Some(d) = dimension {
            x.push_str(&format!(r#"<dimension ref="{d}"/>"#));
        }
        x.push_str("<sheetData>");
        for (at, text) in cells {
            x.push_str(&format!(r#"<row><c r="{at}" t="inlineStr"><is><t>{text}</t></is></c></row>"#));
        }
        x.push_str("</sheetData></worksheet>");
        x.into_bytes()
    }

    fn refusal(r: Result<impl std::fmt::Debug>) -> (u16, &'static str, String) {
        let e = r.expect_err("refused");
        assert!((400..500).contains(&e.status()), "{e}");
        (e.status(), e.code(), e.public_message())
    }

    const SHEET: &str = "xl/worksheets/sheet1.xml";

    #[test]
    fn a_dimension_bomb_is_read_cell_by_cell_and_refused() {
        // Two cells at opposite corners of a sheet: a dense range would be 17 billion cells.
        let bomb = patched(&[(SHEET, sheet(Some("A1:XFD1048576"), &[("A1", "编码"), ("XFD1048576", "x")]))]);
        assert!(bomb.len() < 10_000, "{} bytes", bomb.len());
        let (status, code, message) = refusal(parse(&bomb, "bomb.xlsx"));
        assert_eq!((status, code), (400, "too_many_columns"));
        assert!(message.contains("超过 256 列") && message.contains("A 列至 XFD 列") && message.contains("删除多余的列"), "{message}");
        assert_eq!(refusal(parse_workbook(&bomb, "bomb.xlsx")).1, "too_many_columns");
        // Down one column: too many rows.
        let tall = patched(&[(SHEET, sheet(None, &[("A1", "编码"), ("A1048576", "x")]))]);
        assert_eq!(refusal(parse(&tall, "tall.xlsx")).1, "too_many_rows");
        // 256 columns and 30,000 rows: each bound kept, the area (7.7 million cells) is not.
        let wide = patched(&[(SHEET, sheet(None, &[("A1", "编码"), ("IV1", "x"), ("A30000", "y")]))]);
        let (status, code, _) = refusal(parse(&wide, "wide.xlsx"));
        assert_eq!((status, code), (413, "too_many_cells"));
        // The declared dimension alone costs nothing: the cells are what is read.
        let declared = patched(&[(SHEET, sheet(Some("A1:XFD1048576"), &[("A1", "编码"), ("B1", "名称"), ("A2", "CARD")]))]);
        let t = parse(&declared, "d.xlsx").unwrap();
        assert_eq!(t.headers, vec!["编码", "名称"]);
        assert_eq!(t.rows, vec![vec!["CARD".to_string(), String::new()]]);
    }

    #[test]
    fn the_used_area_starts_at_the_first_cell() {
        // Headers: the first non-empty row; columns from the first used column; blank rows at
        // the end dropped, blank cells inside kept.
        let x = sheet(None, &[("B3", " code "), ("C3", "name"), ("B4", "x"), ("D5", "y"), ("C6", "  ")]);
        let t = parse(&patched(&[(SHEET, x)]), "a.xlsx").unwrap();
        assert_eq!(t.headers, vec!["code", "name", ""]);
        assert_eq!(t.rows, vec![vec!["x".to_string(), "".into(), "".into()], vec!["".into(), "".into(), "y".into()]]);
    }

    #[test]
    fn zip_bombs_are_refused_from_the_zip_directory() {
        // 8 MB of zeros inflated from a few KB: refused by its ratio, nothing inflated.
        let bomb = patched(&[("xl/media/zeros.bin", vec![0; 8 << 20])]);
        assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
        let (status, code, message) = refusal(parse(&bomb, "bomb.xlsx"));
        assert_eq!((status, code), (422, "zip_bomb"));
        assert!(message.contains("压缩炸弹"), "{message}");
        assert_eq!(refusal(parse_workbook(&bomb, "bomb.xlsx")).1, "zip_bomb");
        // Declared sizes over the total, and too many parts (bounds lowered for the test).
        let book = write_xlsx("表", &["编码"], &[vec!["CARD".into()]]).unwrap();
        let small = Limits { unzipped_bytes: 4_000, ..LIMITS };
        let (status, code, message) = refusal(parse_with(&book, "a.xlsx", &small));
        assert_eq!((status, code), (413, "file_too_large"));
        assert!(message.contains("解压后"), "{message}");
        assert_eq!(refusal(parse_with(&book, "a.xlsx", &Limits { parts: 3, ..LIMITS })).1, "file_too_large");
        assert!(parse(&book, "a.xlsx").is_ok());
    }

    #[test]
    fn shared_strings_are_counted_before_the_reader_reserves_room_for_them() {
        // A count of 99,999,999,999 would have the reader reserve 2.4 TB: the process aborts.
        let sst = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="99999999999"><si><t>编码</t></si><si><t>名称</t></si></sst>"#;
        let bomb = patched(&[("xl/sharedStrings.xml", sst.as_bytes().to_vec())]);
        let (status, code, message) = refusal(parse(&bomb, "bomb.xlsx"));
        assert_eq!((status, code), (413, "file_too_large"));
        assert!(message.contains("共享字符串"), "{message}");
        // More strings than the bound, whatever the count says.
        let book = write_xlsx("表", &["编码", "名称", "电话"], &[]).unwrap();
        assert_eq!(refusal(parse_with(&book, "a.xlsx", &Limits { shared_strings: 2, ..LIMITS })).1, "file_too_large");
        assert!(parse_with(&book, "a.xlsx", &Limits { shared_strings: 3, ..LIMITS }).is_ok());
    }

    #[test]
    fn cell_formats_are_bounded_by_what_the_reader_would_copy() {
        // One long font name copied into each of 2,000 formats.
        let mut styles = format!(
            r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><name val="{}"/></font></fonts><cellXfs>"#,
            "宋".repeat(2_000)
        );
        styles.push_str(&r#"<xf fontId="0"/>"#.repeat(2_000));
        styles.push_str("</cellXfs></styleSheet>");
        let book = patched(&[("xl/styles.xml", styles.into_bytes())]);
        let (status, code, message) = refusal(parse_with(&book, "a.xlsx", &Limits { style_bytes: 8 << 20, ..LIMITS }));
        assert_eq!((status, code), (413, "file_too_large"));
        assert!(message.contains("单元格格式"), "{message}");
        assert!(parse(&book, "a.xlsx").is_ok(), "14 MB of styles is within the real bound");
    }

    #[test]
    fn text_is_bounded_where_one_string_fills_many_cells() {
        let sst = format!(
            r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>"#,
            "x".repeat(1_000)
        );
        let mut x = String::from(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for r in 1..=100 {
            x.push_str(&format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#));
        }
        x.push_str("</sheetData></worksheet>");
        let book = patched(&[("xl/sharedStrings.xml", sst.into_bytes()), (SHEET, x.into_bytes())]);
        assert_eq!(parse(&book, "a.xlsx").unwrap().rows.len(), 99);
        let (status, code, message) = refusal(parse_with(&book, "a.xlsx", &Limits { text_bytes: 50_000, ..LIMITS }));
        assert_eq!((status, code), (413, "file_too_large"));
        assert!(message.contains("文字超过"), "{message}");
    }

    #[test]
    fn sheets_naming_one_part_over_and_over_are_not_inflated_again_and_again() {
        // 40 sheets, all the same 300 KB part (read up to its cells each time): refused.
        let mut noise = String::new();
        let mut n: u32 = 1;
        while noise.len() < 300_000 {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            noise.push((b'a' + (n >> 16) as u8 % 26) as char);
        }
        let x = format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr codeName="{noise}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>编码</t></is></c></row></sheetData></worksheet>"#
        );
        let sheets: String = (1..=40).map(|i| format!(r#"<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>"#)).collect();
        let workbook = format!(
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
        );
        let book = patched(&[(SHEET, x.into_bytes()), ("xl/workbook.xml", workbook.into_bytes())]);
        assert_eq!(parse(&book, "a.xlsx").unwrap().headers, vec!["编码"], "one sheet is read once");
        let (status, code, message) = refusal(parse_workbook(&book, "a.xlsx"));
        assert_eq!((status, code), (413, "file_too_large"), "{message}");
        assert!(message.contains("重复引用"), "{message}");
    }

    #[test]
    fn csv_and_legacy_files_are_bounded_too() {
        let wide = format!("{}\n", vec!["a"; 257].join(","));
        let (status, code, message) = refusal(parse(wide.as_bytes(), "w.csv"));
        assert_eq!((status, code), (400, "too_many_columns"));
        assert!(message.contains("第 1 行") && message.contains("256"), "{message}");
        let many = "a,b\n1,2\n3,4\n";
        assert_eq!(refusal(parse_with(many.as_bytes(), "m.csv", &Limits { cells: 5, ..LIMITS })).1, "too_many_cells");
        assert_eq!(refusal(parse_with(many.as_bytes(), "m.csv", &Limits { rows: 1, ..LIMITS })).1, "too_many_rows");
        // Legacy BIFF is parsed whole into dense ranges: refused, with what to do instead.
        let (status, code, message) = refusal(parse(b"\xD0\xCF\x11\xE0", "old.XLS"));
        assert_eq!((status, code), (400, "unsupported_file"));
        assert!(message.contains("另存为 .xlsx"), "{message}");
        assert_eq!(refusal(parse_workbook(b"\xD0\xCF\x11\xE0", "old.xls")).1, "unsupported_file");
        // Nor is one named .xlsx read as anything but an .xlsx.
        assert_eq!(refusal(parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "renamed.xlsx")).1, "malformed_xlsx");
    }

    #[tokio::test]
    async fn read_parses_on_a_blocking_thread() {
        let bytes = write_xlsx("表", &["编码"], &[vec!["CARD".into()]]).unwrap();
        let t = read(bytes.as_slice(), "a.xlsx").await.unwrap();
        assert_eq!(t.rows, vec![vec!["CARD".to_string()]]);
        assert_eq!(read(b"a,b\n".as_slice(), "a.xls").await.unwrap_err().code(), "unsupported_file");
        assert_eq!(read_workbook(bytes, "a.xlsx").await.unwrap().len(), 1);
    }

    #[test]
    fn column_names() {
        assert_eq!([0, 25, 26, 255, 16_383].map(column_name), ["A", "Z", "AA", "IV", "XFD"]);
    }

    #[test]
    fn excel_dates() {
        assert_eq!(excel_serial_to_text(45000.0), "2023-03-15");
        assert_eq!(excel_serial_to_text(45000.5), "2023-03-15 12:00:00");
    }
}
