//! The PDF: typst as a library. A [`Typesetter`] holds the standard library and the fonts
//! (loaded once per process, from the configured font directory and the system); each report
//! is compiled in a small in-memory [`World`] whose only files are the template
//! (`templates/report.typ`), the report's data as JSON and its charts as SVG. Data enters the
//! document as JSON values, never as markup, so nothing a user types can change the layout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use hops_analytics::kpi::model::{self as kpi, Value};
use hops_platform::charts::{BarChart, LineChart, LineSeries};
use serde_json::{Value as Json, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::model::{self, Change, Report};

/// Environment variable naming an extra font directory (searched first).
pub const FONT_DIR_ENV: &str = "HOPS_REPORT_FONT_DIR";

/// System font directories.
const SYSTEM_FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

/// Simplified-Chinese families, most preferred first. Noto Sans CJK ships as a collection
/// whose first face is Japanese, so the SC family is selected by name, never by position.
const PREFERRED_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
];

/// File names worth opening in system directories (the configured directory is read whole).
const SYSTEM_FILE_HINTS: &[&str] = &["notosanscjk", "notosanssc", "sourcehansans", "wqy-microhei", "wqy-zenhei", "notoserifcjk"];

const TEMPLATE: &str = include_str!("../templates/report.typ");

/// Fonts and the typst standard library, shared by every compilation.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    family: String,
}

/// The explanation when no Chinese font is installed (a PDF with tofu boxes is worse than none).
pub fn missing_font_message(searched: &[PathBuf]) -> String {
    let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
    format!(
        "未找到中文字体，无法生成 PDF 报告。请安装思源黑体 / Noto Sans CJK（Debian/Ubuntu：apt-get install fonts-noto-cjk）\
         或文泉驿微米黑（apt-get install fonts-wqy-microhei），或用环境变量 {FONT_DIR_ENV} 指定存放中文字体（.ttf/.otf/.ttc）的目录。\
         已查找：{}",
        dirs.join("、")
    )
}

fn font_files(dir: &Path, everything: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            font_files(&p, everything, out);
            continue;
        }
        let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let is_font = [".ttf", ".otf", ".ttc", ".otc"].iter().any(|e| name.ends_with(e));
        if is_font && (everything || SYSTEM_FILE_HINTS.iter().any(|h| name.replace(['_', ' '], "").contains(h))) {
            out.push(p);
        }
    }
}

impl Typesetter {
    /// Loads the Chinese font family from `custom` (every font file in it) and then the system
    /// directories (known CJK font files only). Fails with [`missing_font_message`] when no
    /// face of a Simplified-Chinese family, or of any family covering 中文, is found.
    pub fn load(custom: Option<&Path>, system: &[&Path]) -> Result<Typesetter, String> {
        let mut files = Vec::new();
        let mut searched = Vec::new();
        if let Some(dir) = custom {
            font_files(dir, true, &mut files);
            searched.push(dir.to_path_buf());
        }
        for dir in system {
            font_files(dir, false, &mut files);
            searched.push(dir.to_path_buf());
        }
        let mut faces: Vec<Font> = Vec::new();
        for path in files {
            let Ok(data) = std::fs::read(&path) else { continue };
            faces.extend(Font::iter(Bytes::new(data)).filter(covers_chinese));
        }
        let family = PREFERRED_FAMILIES
            .iter()
            .find(|fam| faces.iter().any(|f| f.info().family == **fam))
            .map(|f| f.to_string())
            .or_else(|| faces.first().map(|f| f.info().family.clone()))
            .ok_or_else(|| missing_font_message(&searched))?;
        let fonts: Vec<Font> = faces.into_iter().filter(|f| f.info().family == family).collect();
        let book = FontBook::from_fonts(&fonts);
        Ok(Typesetter { library: LazyHash::new(Library::default()), book: LazyHash::new(book), fonts, family })
    }

    /// The process-wide typesetter: fonts from `HOPS_REPORT_FONT_DIR` and the system, loaded
    /// on first use. A failure is remembered too (fonts do not appear while running).
    pub fn shared() -> Result<Arc<Typesetter>, String> {
        static SHARED: OnceLock<Result<Arc<Typesetter>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let custom = std::env::var_os(FONT_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
                let system: Vec<&Path> = SYSTEM_FONT_DIRS.iter().map(Path::new).collect();
                Typesetter::load(custom.as_deref(), &system).map(Arc::new)
            })
            .clone()
    }

    /// The font family the reports are set in.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// Font faces loaded (regular, bold …).
    pub fn faces(&self) -> usize {
        self.fonts.len()
    }

    /// Compiles a report into PDF bytes.
    pub fn pdf(&self, report: &Report) -> Result<Vec<u8>, String> {
        let world = ReportWorld::new(self, report);
        let warned = typst::compile(&world);
        let doc = warned.output.map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("PDF 排版失败：{}", messages.join("；"))
        })?;
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(format!("hops-report-{}-{}", report.range.kind.code(), report.range.start)),
            creator: Smart::Custom(Some("hops 互联网医院运营平台".into())),
            timestamp: datetime(report.generated_at).map(typst_pdf::Timestamp::new_utc),
            ..Default::default()
        };
        let bytes = typst_pdf::pdf(&doc, &options).map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("PDF 导出失败：{}", messages.join("；"))
        })?;
        typst::comemo::evict(10);
        Ok(bytes)
    }
}

fn covers_chinese(f: &Font) -> bool {
    ['中', '医', '院', '报'].iter().all(|c| f.info().coverage.contains(*c as u32))
}

fn datetime(at: hops_kernel::Instant) -> Option<Datetime> {
    let ts = at.to_timestamp();
    let utc = ts.to_zoned(jiff_utc());
    Datetime::from_ymd_hms(
        i32::from(utc.year()),
        u8::try_from(utc.month()).ok()?,
        u8::try_from(utc.day()).ok()?,
        u8::try_from(utc.hour()).ok()?,
        u8::try_from(utc.minute()).ok()?,
        u8::try_from(utc.second()).ok()?,
    )
}

fn jiff_utc() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::UTC
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("valid virtual path")).intern()
}

struct ReportWorld<'a> {
    typesetter: &'a Typesetter,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl<'a> ReportWorld<'a> {
    fn new(typesetter: &'a Typesetter, report: &Report) -> Self {
        let main = Source::new(file_id("/report.typ"), TEMPLATE.to_string());
        let mut files = HashMap::new();
        let data = document_data(report, typesetter.family());
        files.insert(file_id("/data.json"), Bytes::new(data.to_string().into_bytes()));
        for (name, svg) in charts(report, typesetter.family()) {
            files.insert(file_id(&format!("/{name}.svg")), Bytes::new(svg.into_bytes()));
        }
        let local = report.generated_at.local_day().to_date();
        let today = Datetime::from_ymd(i32::from(local.year()), local.month() as u8, local.day() as u8);
        ReportWorld { typesetter, main, files, today }
    }
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotSource) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

// ---- data for the template ----

fn change_json(c: &Change) -> Json {
    json!({ "text": c.text, "arrow": c.arrow(), "tone": c.tone() })
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

/// The report as the template reads it: display strings, arrows and tones.
pub fn document_data(r: &Report, family: &str) -> Json {
    let rated = r.reviews.rated();
    let chart_names: Vec<&str> = charts(r, family).into_iter().map(|(n, _)| n).collect();
    let headline: Vec<Json> = ["consultations_created", "consultation_revenue", "good_review_rate", "avg_first_reply_minutes"]
        .iter()
        .filter_map(|k| r.kpi(k))
        .map(|l| {
            let label = match (l.key.as_str(), &l.value) {
                ("avg_first_reply_minutes", _) => "首次响应（分钟）".to_string(),
                (_, Value::Count(_)) => format!("{}（{}）", l.label, l.unit),
                _ => l.label.clone(),
            };
            let value = match &l.value {
                // Large amounts in 万元 so they fit the cover's boxes.
                Value::Money(m) if m.0 >= 1_000_000 => format!("¥{:.2}万", m.0 as f64 / 1_000_000.0),
                v => model::show(v),
            };
            json!({ "label": label, "value": value, "mom": change_json(&l.mom) })
        })
        .collect();
    json!({
        "font": family,
        "hospital": r.hospital,
        "title": r.title,
        "kind_name": model::kind_name(r.range.kind),
        "cadence": match r.range.kind {
            hops_kernel::Period::Week => "每周一期",
            hops_kernel::Period::Month => "每月一期",
            hops_kernel::Period::Quarter => "每季度一期",
            hops_kernel::Period::Half => "每半年一期",
            hops_kernel::Period::Year => "每年一期",
        },
        "label": r.label,
        "start": r.range.start.to_string(),
        "end": r.range.last_day().to_string(),
        "generated": r.generated_at.format_minute(),
        "columns": r.columns(),
        "compared": r.spans.explain(),
        // Generated before the period ended: the figures are partial.
        "partial": r.generated_at < r.range.end_exclusive.start(),
        "trend_periods": r.trend.len(),
        "overview": r.summary.overview,
        "headline": headline,
        "highlights": r.summary.highlights,
        "problems": r.summary.problems,
        "kpis": r.kpis.iter().map(|l| json!({
            "label": l.label,
            "value": model::show(&l.value),
            "previous": model::show(&l.previous),
            "year_ago": model::show(&l.year_ago),
            "mom": change_json(&l.mom),
            "yoy": change_json(&l.yoy),
        })).collect::<Vec<_>>(),
        "kinds": kpi::KINDS.iter().map(|(code, name)| {
            let get = |w: &str| r.kinds.iter().find(|l| l.key == format!("consultations_{w}_{code}"));
            let created = get("created");
            json!({
                "name": name,
                "created": created.map(|l| model::show(&l.value)).unwrap_or_default(),
                "paid": get("paid").map(|l| model::show(&l.value)).unwrap_or_default(),
                "completed": get("completed").map(|l| model::show(&l.value)).unwrap_or_default(),
                "refunded": get("refunded").map(|l| model::show(&l.value)).unwrap_or_default(),
                "mom": created.map(|l| change_json(&l.mom)).unwrap_or(Json::Null),
            })
        }).collect::<Vec<_>>(),
        "departments": r.departments.iter().take(12).map(|d| json!({
            "name": d.name, "consultations": model::group_digits(d.consultations), "share": pct(d.share), "fraction": d.share.unwrap_or(0.0),
        })).collect::<Vec<_>>(),
        "departments_more": r.departments.len().saturating_sub(12),
        "doctors": r.doctors.iter().enumerate().map(|(i, d)| json!({
            "rank": i + 1, "name": d.name, "department": d.department, "title": d.title,
            "completed": model::group_digits(d.completed), "rating": num(d.rating_avg), "good_rate": pct(d.good_rate),
            "reply": d.reply_minutes.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into()),
        })).collect::<Vec<_>>(),
        "leaderboard": r.leaderboard.as_ref().map(|l| json!({
            "method": l.method,
            "unranked": l.unranked,
            "min_sample": l.min_sample,
            "entries": l.entries.iter().map(|e| json!({
                "rank": e.rank, "name": e.name, "department": e.department, "title": e.title,
                "volume": model::group_digits(e.volume), "rating": num(e.rating_mean), "satisfaction": num(e.satisfaction),
                "reply": e.reply_minutes.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into()),
                "revisit": pct(e.revisit_rate), "score": format!("{:.2}", e.score),
            })).collect::<Vec<_>>(),
        })),
        "satisfaction": {
            "avg": r.kpi("satisfaction_avg").map(|l| model::show(&l.value)).unwrap_or_default(),
            "avg_mom": r.kpi("satisfaction_avg").map(|l| change_json(&l.mom)).unwrap_or(Json::Null),
            "good_rate": r.kpi("good_review_rate").map(|l| model::show(&l.value)).unwrap_or_default(),
            "good_rate_mom": r.kpi("good_review_rate").map(|l| change_json(&l.mom)).unwrap_or(Json::Null),
            "rated": model::group_digits(rated),
            "bad": model::group_digits(r.reviews.bad()),
            "distribution": (1..=5).rev().map(|stars| {
                let n = r.reviews.distribution[stars - 1];
                json!({ "stars": format!("{stars} 分"), "count": model::group_digits(n),
                        "share": pct((rated > 0).then(|| n as f64 / rated as f64)), "fraction": if rated > 0 { n as f64 / rated as f64 } else { 0.0 } })
            }).collect::<Vec<_>>(),
            "reasons": r.reviews.reasons.iter().map(|(k, n)| {
                let share = (r.reviews.bad() > 0).then(|| (*n as f64 / r.reviews.bad() as f64).min(1.0));
                json!({ "reason": k, "count": model::group_digits(*n), "share": pct(share), "fraction": share.unwrap_or(0.0) })
            }).collect::<Vec<_>>(),
        },
        "conclusions": r.conclusions.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>(),
        "conclusions_suggested": r.conclusions_suggested,
        "charts": chart_names,
    })
}

/// Styles the console's chart classes inline, in the report font, for use outside a page.
fn for_print(svg: String, family: &str) -> String {
    let style = format!(
        "<style>text{{font-family:\"{family}\";font-size:11px;fill:#5f6c80}}.grid{{stroke:#e3e8ef;stroke-width:1}}\
         .bar{{fill:#0b66c3}}.bar.alt{{fill:#0f7f78}}</style>"
    );
    match svg.find('>') {
        Some(i) => format!("{}{style}{}", &svg[..=i], &svg[i + 1..]),
        None => svg,
    }
}

/// Shortens axis labels so neighbours do not overlap (`心血管内科` → `心血管内…`).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

/// The charts of a report as print-ready SVG, by file name; absent when there is nothing to draw.
pub fn charts(r: &Report, family: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if r.trend.iter().any(|t| t.created > 0) {
        let labels: Vec<String> = r.trend.iter().map(|t| t.label.clone()).collect();
        let values: Vec<Vec<i64>> = (0..kpi::KINDS.len()).map(|k| r.trend.iter().map(|t| t.by_kind[k]).collect()).collect();
        let series: Vec<LineSeries<'_>> =
            kpi::KINDS.iter().zip(&values).map(|((_, name), v)| LineSeries { name, values: v.as_slice() }).collect();
        out.push(("trend", for_print(LineChart { labels: &labels, series: &series, unit: "单" }.svg(), family)));
    }
    let depts: Vec<_> = r.departments.iter().filter(|d| d.consultations > 0).take(10).collect();
    if !depts.is_empty() {
        let max = if depts.len() > 7 { 4 } else { 6 };
        let labels: Vec<String> = depts.iter().map(|d| short(&d.name, max)).collect();
        let values: Vec<i64> = depts.iter().map(|d| d.consultations).collect();
        out.push(("departments", for_print(BarChart { labels: &labels, values: &values, unit: "单" }.svg(), family)));
    }
    if !r.doctors.is_empty() {
        let labels: Vec<String> = r.doctors.iter().map(|d| short(&d.name, 4)).collect();
        let values: Vec<i64> = r.doctors.iter().map(|d| d.completed).collect();
        out.push(("doctors", for_print(BarChart { labels: &labels, values: &values, unit: "单" }.svg(), family)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_chinese_font_is_a_clear_error() {
        let empty = std::env::temp_dir().join(format!("hops-no-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let err = Typesetter::load(Some(&empty), &[]).err().expect("no fonts in an empty directory");
        assert!(err.starts_with("未找到中文字体"), "{err}");
        assert!(err.contains("fonts-noto-cjk") && err.contains(FONT_DIR_ENV) && err.contains(&empty.display().to_string()));
        let _ = std::fs::remove_dir(&empty);
    }

    #[test]
    fn print_charts_carry_their_style() {
        let svg = for_print("<svg viewBox=\"0 0 1 1\"><rect class=\"bar\"/></svg>".into(), "Noto Sans CJK SC");
        assert!(svg.starts_with("<svg viewBox=\"0 0 1 1\"><style>text{font-family:\"Noto Sans CJK SC\""));
        assert!(svg.ends_with("<rect class=\"bar\"/></svg>"));
        assert_eq!(short("心血管内科", 4), "心血管…");
        assert_eq!(short("儿科", 4), "儿科");
    }
}
