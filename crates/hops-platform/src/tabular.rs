//! Tables in and out: reading CSV (UTF-8 or GB18030, as Excel in China saves it) and XLSX
//! uploads into rows of text, writing XLSX exports and import templates. Modules validate the
//! rows themselves and report [`RowError`]s; nothing here knows any business column.

use std::io::Cursor;

use calamine::{Data, Reader};
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

pub const MAX_ROWS: usize = 200_000;

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

/// Reads an uploaded file by its extension (`.csv`, `.xlsx`, `.xls`).
pub fn read(bytes: &[u8], filename: &str) -> Result<Table> {
    let lower = filename.to_lowercase();
    let table = if lower.ends_with(".csv") || lower.ends_with(".txt") {
        read_csv(bytes)?
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".xlsm") {
        read_excel(bytes)?
    } else {
        return Err(Error::bad_request("unsupported_file", "仅支持 .csv 或 .xlsx 文件"));
    };
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(Error::bad_request("empty_file", "文件为空或缺少表头行"));
    }
    if table.rows.len() > MAX_ROWS {
        return Err(Error::bad_request("too_many_rows", format!("单次最多导入 {MAX_ROWS} 行，请拆分文件")));
    }
    Ok(table)
}

fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        Some(Ok(r)) => r.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => return Err(Error::bad_request("malformed_csv", format!("CSV 格式错误: {e}"))),
        None => Vec::new(),
    };
    let mut rows = Vec::new();
    for (i, r) in records.enumerate() {
        let r = r.map_err(|e| Error::bad_request("malformed_csv", format!("CSV 第 {} 行格式错误: {e}", i + 2)))?;
        rows.push(r.iter().map(|s| s.trim().to_string()).collect());
        if rows.len() > MAX_ROWS {
            break;
        }
    }
    Ok(Table { headers, rows: drop_blank(rows) })
}

fn drop_blank(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut rows = rows;
    while rows.last().is_some_and(|r: &Vec<String>| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    rows
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // Whole numbers (phone numbers, codes typed as numbers) without a trailing ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_to_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
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

fn open_excel(bytes: &[u8]) -> Result<calamine::Sheets<Cursor<Vec<u8>>>> {
    calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::bad_request("malformed_xlsx", format!("无法读取 Excel 文件: {e}")))
}

fn range_table(range: std::result::Result<calamine::Range<Data>, calamine::Error>) -> Result<Table> {
    let range = range.map_err(|e| Error::bad_request("malformed_xlsx", format!("无法读取工作表: {e}")))?;
    let mut rows = range.rows();
    let headers = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
    let rows: Vec<Vec<String>> = rows.take(MAX_ROWS + 1).map(|r| r.iter().map(cell_text).collect()).collect();
    Ok(Table { headers, rows: drop_blank(rows) })
}

fn read_excel(bytes: &[u8]) -> Result<Table> {
    let mut book = open_excel(bytes)?;
    range_table(book.worksheet_range_at(0).ok_or_else(|| Error::bad_request("empty_file", "Excel 文件中没有工作表"))?)
}

/// Every sheet of an Excel workbook by name, in workbook order (for imports of several kinds
/// at once). Sheets without a header row come back with empty headers.
pub fn read_workbook(bytes: &[u8], filename: &str) -> Result<Vec<(String, Table)>> {
    let lower = filename.to_lowercase();
    if !(lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".xlsm")) {
        return Err(Error::bad_request("unsupported_file", "仅支持 .xlsx 文件"));
    }
    let mut book = open_excel(bytes)?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let table = range_table(book.worksheet_range(&name))?;
        if table.rows.len() > MAX_ROWS {
            return Err(Error::bad_request("too_many_rows", format!("工作表「{name}」超过 {MAX_ROWS} 行，请拆分文件")));
        }
        out.push((name, table));
    }
    Ok(out)
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
        let t = read("\u{feff}编码,名称\nCARD,心内科\n,\n".as_bytes(), "a.csv").unwrap();
        assert_eq!(t.headers, vec!["编码", "名称"]);
        assert_eq!(t.rows, vec![vec!["CARD".to_string(), "心内科".to_string()]]);
        let (gbk, _, _) = encoding_rs::GB18030.encode("编码,名称\nRESP,呼吸科\n");
        let t = read(&gbk, "a.CSV").unwrap();
        assert_eq!(t.rows[0][1], "呼吸科");
    }

    #[test]
    fn xlsx_round_trip_through_template_writer() {
        let bytes = write_xlsx("科室", &["code", "name", "phone"], &[vec!["CARD".into(), "心内科".into(), "13812345678".into()]]).unwrap();
        let t = read(&bytes, "x.xlsx").unwrap();
        assert_eq!(t.headers, vec!["code", "name", "phone"]);
        let idx = t.locate(COLS).unwrap();
        assert_eq!(cell(&t.rows[0], idx[2]), "13812345678");
        let tpl = template_xlsx("科室", COLS).unwrap();
        let t = read(&tpl, "t.xlsx").unwrap();
        assert_eq!(t.headers, vec!["编码", "名称", "电话"]);
        assert!(t.locate(COLS).is_ok());
    }

    #[test]
    fn workbooks_of_several_sheets() {
        let cols = |c: &Column| c.header();
        let a = Table { headers: COLS.iter().map(cols).collect(), rows: vec![vec!["CARD".into(), "心内科".into(), "".into()]] };
        let b = Table { headers: vec!["x".into()], rows: vec![] };
        let bytes = write_workbook(&[("科室", a.clone()), ("空", b.clone())]).unwrap();
        let read = read_workbook(&bytes, "w.xlsx").unwrap();
        assert_eq!(read, vec![("科室".to_string(), a.clone()), ("空".to_string(), b)]);
        assert_eq!(a.headers[0], "编码（code）");
        assert!(a.locate(COLS).is_ok(), "label（key） headers are understood");
        assert!(read_workbook(b"a,b", "w.csv").is_err());
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
        assert!(read(b"x", "a.pdf").is_err());
        assert!(read(b"not a zip", "a.xlsx").is_err());
        assert!(read(b"", "a.csv").is_err());
    }

    #[test]
    fn excel_dates() {
        assert_eq!(excel_serial_to_text(45000.0), "2023-03-15");
        assert_eq!(excel_serial_to_text(45000.5), "2023-03-15 12:00:00");
    }
}
