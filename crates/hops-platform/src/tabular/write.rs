//! Writing XLSX: exports, multi-sheet workbooks and import templates.

use rust_xlsxwriter::{Format, Workbook};

use super::*;

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
