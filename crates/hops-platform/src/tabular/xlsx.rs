//! Reading XLSX uploads within bounds: the zip directory checked before the reader opens it,
//! the parts it loads whole scanned first, and every sheet streamed cell by cell.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use quick_xml::events::Event;

use super::*;

/// A cell as text: strings trimmed, whole numbers without ".0", dates as `YYYY-MM-DD`.
pub(super) fn cell_text<'c>(d: &'c DataRef<'_>) -> Cow<'c, str> {
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
pub(super) fn excel_serial_to_text(serial: f64) -> String {
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let base = jiff::civil::date(1899, 12, 30);
    let Ok(date) = base.checked_add(jiff::Span::new().days(days)) else { return serial.to_string() };
    if secs == 0 { date.to_string() } else { format!("{date} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60) }
}

/// Spreadsheet column letters of a 0-based column: 0 → A, 26 → AA, 16383 → XFD.
pub(super) fn column_name(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

pub(super) fn file_too_large(message: String) -> Error {
    Error::client(413, "file_too_large", message)
}

pub(super) fn too_many_cells(limits: &Limits) -> Error {
    Error::client(
        413,
        "too_many_cells",
        format!("文件内容超过 {} 个单元格（已用区域的行数 × 列数），请删除多余的行、列或拆分文件后重试", limits.cells),
    )
}

pub(super) fn malformed(e: impl std::fmt::Display) -> Error {
    Error::bad_request("malformed_xlsx", format!("无法读取 Excel 文件: {e}"))
}

/// Opens an .xlsx after [`inspect_zip`] found it sound, reading it through a [`Meter`].
pub(super) fn open_xlsx<'b>(bytes: &'b [u8], limits: &Limits) -> Result<(Xlsx<Metered<'b>>, Meter)> {
    inspect_zip(bytes, limits)?;
    let meter = Meter(Rc::new(Cell::new(bytes.len() as u64 * 3 + (1 << 20))));
    let book = Xlsx::new(Metered { inner: Cursor::new(bytes), meter: meter.clone() }).map_err(|e| meter.or(malformed(e)))?;
    Ok((book, meter))
}

/// The compressed bytes the spreadsheet reader may still read. A workbook is read about once;
/// one whose sheets all name the same large part would otherwise be inflated once per sheet.
#[derive(Clone)]
pub(super) struct Meter(Rc<Cell<u64>>);

impl Meter {
    /// `e`, unless the reader failed because the meter ran out.
    pub(super) fn or(&self, e: Error) -> Error {
        if self.0.get() > 0 { e } else { file_too_large("Excel 文件的工作表重复引用同一部分内容，已拒绝读取".into()) }
    }
}

pub(super) struct Metered<'b> {
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
pub(super) fn inspect_zip(bytes: &[u8], limits: &Limits) -> Result<()> {
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

pub(super) enum Part {
    SharedStrings,
    Styles,
}

/// A count as the spreadsheet reader may read it: every digit, so no spelling slips past.
pub(super) fn declared_count(value: &str) -> usize {
    value.bytes().filter(u8::is_ascii_digit).fold(0usize, |n, d| n.saturating_mul(10).saturating_add(usize::from(d - b'0')))
}

/// The shared-string table: the reader reserves room for the count it declares
/// (`uniqueCount`; a 1 KB file declaring billions aborts the process) and keeps every string.
pub(super) fn scan_shared_strings<R: BufRead>(xml: &mut quick_xml::Reader<R>, limits: &Limits) -> Result<()> {
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
pub(super) const STYLE_BYTES: u64 = 1024;

/// Cell formats: the reader copies the font (with its name) and the number format (with its
/// code) of every `xf` into a style of its own, so a 1 MB font name and 700,000 short `xf`s
/// ask it for 700 GB. What it would build is taken as formats × (a style + the largest font +
/// the largest number format), and bounded.
pub(super) fn scan_styles<R: BufRead>(xml: &mut quick_xml::Reader<R>, limits: &Limits) -> Result<()> {
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
pub(super) struct Budget<'l> {
    limits: &'l Limits,
    cells: usize,
    text: usize,
}

impl<'l> Budget<'l> {
    pub(super) fn new(limits: &'l Limits) -> Self {
        Budget { limits, cells: limits.cells, text: limits.text_bytes }
    }

    pub(super) fn keep_text(&mut self, text: Cow<'_, str>) -> Result<String> {
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
pub(super) fn sheet_table<RS: Read + Seek>(book: &mut Xlsx<RS>, meter: &Meter, sheet: &str, budget: &mut Budget) -> Result<Table> {
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
