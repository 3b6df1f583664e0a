//! The XLSX: the tables under the report, as numbers (not text) so they can be recalculated —
//! KPIs with the previous period and a year ago (first sheet), consultation kinds, department
//! share, doctor ranking, trend and satisfaction.

use hops_analytics::kpi::model::{self as kpi, Value};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::model::{Change, KpiLine, Report};

fn err(e: XlsxError) -> String {
    format!("Excel 生成失败：{e}")
}

struct Formats {
    head: Format,
    int: Format,
    money: Format,
    rate: Format,
    avg: Format,
    title: Format,
    note: Format,
}

fn formats() -> Formats {
    Formats {
        head: Format::new().set_bold().set_background_color("#E8F1F8").set_align(FormatAlign::Center),
        int: Format::new().set_num_format("#,##0"),
        money: Format::new().set_num_format("#,##0.00"),
        rate: Format::new().set_num_format("0.00%"),
        avg: Format::new().set_num_format("0.00"),
        title: Format::new().set_bold().set_font_size(13),
        note: Format::new().set_font_color("#5F6C80"),
    }
}

/// Writes a KPI value as a number (money in yuan); an undefined value leaves the cell empty.
fn value(ws: &mut Worksheet, row: u32, col: u16, v: &Value, f: &Formats) -> Result<(), XlsxError> {
    match v {
        Value::Count(n) => {
            ws.write_number_with_format(row, col, *n as f64, &f.int)?;
        }
        Value::Rate(Some(r)) => {
            ws.write_number_with_format(row, col, *r, &f.rate)?;
        }
        Value::Average(Some(a)) => {
            ws.write_number_with_format(row, col, *a, &f.avg)?;
        }
        Value::Money(m) => {
            ws.write_number_with_format(row, col, m.0 as f64 / 100.0, &f.money)?;
        }
        Value::Rate(None) | Value::Average(None) => {}
    }
    Ok(())
}

fn change_text(c: &Change) -> String {
    format!("{}{}", c.arrow(), c.text)
}

fn header(ws: &mut Worksheet, row: u32, names: &[&str], widths: &[f64], f: &Formats) -> Result<(), XlsxError> {
    for (i, (h, w)) in names.iter().zip(widths).enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &f.head)?;
        ws.set_column_width(i as u16, *w)?;
    }
    Ok(())
}

fn kpi_rows(ws: &mut Worksheet, lines: &[KpiLine], columns: &[String; 5], f: &Formats) -> Result<(), XlsxError> {
    let [current, previous, mom, year_ago, yoy] = columns.each_ref().map(String::as_str);
    header(ws, 0, &["指标", "指标键", current, previous, mom, year_ago, yoy, "单位"], &[22.0, 30.0, 14.0, 14.0, 16.0, 14.0, 16.0, 8.0], f)?;
    for (i, l) in lines.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, &l.label)?;
        ws.write_string(r, 1, &l.key)?;
        value(ws, r, 2, &l.value, f)?;
        value(ws, r, 3, &l.previous, f)?;
        ws.write_string(r, 4, change_text(&l.mom))?;
        value(ws, r, 5, &l.year_ago, f)?;
        ws.write_string(r, 6, change_text(&l.yoy))?;
        ws.write_string(r, 7, if matches!(l.value, Value::Rate(_)) { "%" } else { l.unit })?;
    }
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The workbook of a report.
pub fn workbook(r: &Report) -> Result<Vec<u8>, String> {
    build(r).map_err(err)
}

fn build(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut book = Workbook::new();

    // First sheet: the KPIs, readable by the platform's own importer (header row first).
    let ws = book.add_worksheet();
    ws.set_name("核心指标")?;
    let all: Vec<KpiLine> = r.kpis.iter().chain(&r.kinds).cloned().collect();
    kpi_rows(ws, &all, &r.columns(), &f)?;

    let ws = book.add_worksheet();
    ws.set_name("科室占比")?;
    header(ws, 0, &["排名", "科室编码", "科室", "支付问诊量", "占比"], &[8.0, 14.0, 20.0, 14.0, 12.0], &f)?;
    for (i, d) in r.departments.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_number(row, 0, (i + 1) as f64)?;
        ws.write_string(row, 1, &d.code)?;
        ws.write_string(row, 2, &d.name)?;
        ws.write_number_with_format(row, 3, d.consultations as f64, &f.int)?;
        if let Some(s) = d.share {
            ws.write_number_with_format(row, 4, s, &f.rate)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;

    let ws = book.add_worksheet();
    ws.set_name("医生排行")?;
    header(
        ws,
        0,
        &["排名", "医生", "科室", "职称", "完成问诊量", "评价数", "平均评分", "好评率", "平均首次响应（分钟）"],
        &[8.0, 12.0, 18.0, 12.0, 12.0, 10.0, 10.0, 10.0, 20.0],
        &f,
    )?;
    for (i, d) in r.doctors.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_number(row, 0, (i + 1) as f64)?;
        ws.write_string(row, 1, &d.name)?;
        ws.write_string(row, 2, &d.department)?;
        ws.write_string(row, 3, &d.title)?;
        ws.write_number_with_format(row, 4, d.completed as f64, &f.int)?;
        ws.write_number_with_format(row, 5, d.rated as f64, &f.int)?;
        if let Some(a) = d.rating_avg {
            ws.write_number_with_format(row, 6, a, &f.avg)?;
        }
        if let Some(g) = d.good_rate {
            ws.write_number_with_format(row, 7, g, &f.rate)?;
        }
        if let Some(m) = d.reply_minutes {
            ws.write_number_with_format(row, 8, m, &f.avg)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;

    if let Some(l) = &r.leaderboard {
        let ws = book.add_worksheet();
        ws.set_name("综合排行")?;
        header(
            ws,
            0,
            &["名次", "医生", "科室", "职称", "完成问诊量", "平均评分", "修正满意度", "平均首次响应（分钟）", "复诊率", "综合得分"],
            &[8.0, 12.0, 18.0, 12.0, 12.0, 10.0, 12.0, 20.0, 10.0, 10.0],
            &f,
        )?;
        for (i, e) in l.entries.iter().enumerate() {
            let row = (i + 1) as u32;
            ws.write_number(row, 0, e.rank as f64)?;
            ws.write_string(row, 1, &e.name)?;
            ws.write_string(row, 2, &e.department)?;
            ws.write_string(row, 3, &e.title)?;
            ws.write_number_with_format(row, 4, e.volume as f64, &f.int)?;
            for (col, v, fmt) in
                [(5, e.rating_mean, &f.avg), (6, e.satisfaction, &f.avg), (7, e.reply_minutes, &f.avg), (8, e.revisit_rate, &f.rate)]
            {
                if let Some(v) = v {
                    ws.write_number_with_format(row, col, v, fmt)?;
                }
            }
            ws.write_number_with_format(row, 9, e.score, &f.avg)?;
        }
        let notes = (l.entries.len() + 2) as u32;
        for (i, m) in l.method.iter().enumerate() {
            ws.write_string_with_format(notes + i as u32, 0, m, &f.note)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }

    let ws = book.add_worksheet();
    ws.set_name("趋势")?;
    let mut heads: Vec<String> = vec!["周期".into(), "开始日期".into(), "问诊下单量".into()];
    heads.extend(kpi::KINDS.iter().map(|(_, name)| format!("{name}问诊下单量")));
    heads.extend(["支付问诊量".into(), "问诊收入（元）".into(), "平均评分".into(), "好评率".into()]);
    let names: Vec<&str> = heads.iter().map(String::as_str).collect();
    let widths: Vec<f64> = names.iter().map(|n| (n.chars().count() as f64 * 2.0).max(10.0)).collect();
    header(ws, 0, &names, &widths, &f)?;
    for (i, t) in r.trend.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_string(row, 0, t.range.label_zh())?;
        ws.write_string(row, 1, t.range.start.to_string())?;
        ws.write_number_with_format(row, 2, t.created as f64, &f.int)?;
        for (k, n) in t.by_kind.iter().enumerate() {
            ws.write_number_with_format(row, 3 + k as u16, *n as f64, &f.int)?;
        }
        let c = 3 + kpi::KINDS.len() as u16;
        ws.write_number_with_format(row, c, t.paid as f64, &f.int)?;
        ws.write_number_with_format(row, c + 1, t.revenue.0 as f64 / 100.0, &f.money)?;
        if let Some(s) = t.satisfaction {
            ws.write_number_with_format(row, c + 2, s, &f.avg)?;
        }
        if let Some(g) = t.good_rate {
            ws.write_number_with_format(row, c + 3, g, &f.rate)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;

    let ws = book.add_worksheet();
    ws.set_name("满意度")?;
    header(ws, 0, &["评分", "条数"], &[22.0, 10.0], &f)?;
    for stars in (1..=5).rev() {
        let row = (6 - stars) as u32;
        ws.write_string(row, 0, format!("{stars} 分"))?;
        ws.write_number_with_format(row, 1, r.reviews.distribution[stars - 1] as f64, &f.int)?;
    }
    header(ws, 7, &["差评原因（评分 ≤ 2）", "条数"], &[22.0, 10.0], &f)?;
    for (i, (reason, n)) in r.reviews.reasons.iter().enumerate() {
        let row = (i + 8) as u32;
        ws.write_string(row, 0, *reason)?;
        ws.write_number_with_format(row, 1, *n as f64, &f.int)?;
    }

    let ws = book.add_worksheet();
    ws.set_name("说明")?;
    ws.set_column_width(0, 100)?;
    ws.write_string_with_format(0, 0, format!("{} {}（{}）", r.hospital, r.title, r.label), &f.title)?;
    ws.write_string(
        1,
        0,
        format!("报告周期：{} 至 {}（北京时间）；生成时间：{}", r.range.start, r.range.last_day(), r.generated_at.format_minute()),
    )?;
    ws.write_string_with_format(2, 0, "问诊按下单时间计入周期；比率为小数并以百分比格式显示；金额单位为元；空白表示无可比数据。", &f.note)?;
    ws.write_string_with_format(4, 0, "运营概况", &f.title)?;
    ws.write_string(5, 0, &r.summary.overview)?;
    let mut row = 6;
    for h in &r.summary.highlights {
        ws.write_string(row, 0, format!("▲ {h}"))?;
        row += 1;
    }
    for p in &r.summary.problems {
        ws.write_string(row, 0, format!("▼ {p}"))?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "结论与措施", &f.title)?;
    for l in r.conclusions.lines().filter(|l| !l.trim().is_empty()) {
        row += 1;
        ws.write_string(row, 0, l.trim())?;
    }
    book.save_to_buffer()
}
