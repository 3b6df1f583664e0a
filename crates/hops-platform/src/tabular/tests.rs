use std::io::{Cursor, Read};

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
    let mut x =
        String::from(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#);
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
