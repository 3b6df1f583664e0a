//! Charts as inline SVG, rendered in Rust so pages and (later) PDF reports draw them the same
//! way. Styled by the design system's `.chart` classes; every bar has a `<title>` tooltip.

use std::fmt::Write;

/// A bar chart of labelled values (e.g. new patients per month).
pub struct BarChart<'a> {
    pub labels: &'a [String],
    pub values: &'a [i64],
    /// Unit shown in tooltips, e.g. "人".
    pub unit: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// At most this many gridline steps on the value axis.
pub const MAX_TICKS: i64 = 5;

/// The value axis: a "nice" step (1, 2 or 5 × a power of ten) and the fewest steps (at most
/// [`MAX_TICKS`]) that cover the largest value — so the axis ends just above the data (100 for
/// a largest value of 100, never 200).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    pub step: i64,
    pub ticks: i64,
}

impl Axis {
    pub fn for_max(max: i64) -> Axis {
        let max = max.max(1);
        let mut power = 1i64;
        loop {
            for m in [1, 2, 5] {
                let step = power.saturating_mul(m);
                let ticks = (max + step - 1) / step;
                if ticks <= MAX_TICKS {
                    return Axis { step, ticks };
                }
            }
            power = power.saturating_mul(10);
        }
    }

    /// The axis' top value.
    pub fn top(self) -> i64 {
        self.step * self.ticks
    }
}

/// Roughly how wide an axis label is drawn (CJK characters full width, others about half).
fn label_width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 6.5 } else { 11.5 }).sum()
}

/// A label under the plot, centred on `x`.
fn x_label(s: &mut String, x: f64, y: f64, label: &str) {
    let _ = write!(s, r#"<text class="axis" x="{x:.1}" y="{y}" text-anchor="middle">{}</text>"#, escape(label));
}

/// Every how many slots a label is written so that neighbours do not overlap (1: all of them).
pub fn label_stride(labels: &[String], slot: f64) -> usize {
    let widest = labels.iter().map(|l| label_width(l)).fold(0.0, f64::max);
    ((widest + 6.0) / slot.max(1.0)).ceil().max(1.0) as usize
}

impl BarChart<'_> {
    pub fn svg(&self) -> String {
        let (w, h) = (640.0f64, 220.0f64);
        let (left, right, top, bottom) = (44.0, 8.0, 12.0, 28.0);
        let n = self.values.len().max(1) as f64;
        let axis = Axis::for_max(self.values.iter().copied().max().unwrap_or(0));
        let max = axis.top();
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let slot = plot_w / n;
        let bar_w = (slot * 0.62).max(2.0);
        let every = label_stride(self.labels, slot);
        let mut s = String::new();
        let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#);
        for i in 0..=axis.ticks {
            let v = axis.step * i;
            let y = top + plot_h - plot_h * (i as f64) / (axis.ticks as f64);
            let _ = write!(s, r#"<line class="grid" x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#, w - right);
            let _ = write!(s, r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{v}</text>"#, left - 6.0, y + 4.0);
        }
        for (i, (label, value)) in self.labels.iter().zip(self.values).enumerate() {
            let bh = if max > 0 { plot_h * (*value as f64) / (max as f64) } else { 0.0 };
            let x = left + slot * (i as f64) + (slot - bar_w) / 2.0;
            let y = top + plot_h - bh;
            let _ = write!(
                s,
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{bh:.1}" rx="2"><title>{}：{value} {}</title></rect>"#,
                escape(label),
                escape(self.unit)
            );
            if i % every == 0 {
                x_label(&mut s, x + bar_w / 2.0, h - 8.0, label);
            }
        }
        s.push_str("</svg>");
        s
    }
}

/// Bars per label, each stacked from the series' values at that label (e.g. complaints per
/// cause per month), with a legend.
pub struct StackedBarChart<'a> {
    pub labels: &'a [String],
    /// (name, one value per label).
    pub series: &'a [(String, Vec<i64>)],
    pub unit: &'a str,
}

/// Colours beyond the platform's six series colours.
const MORE: &[&str] = &["#0e9f6e", "#9f580a", "#5850ec", "#d61f69", "#1c64f2", "#6b7280", "#047481", "#8e4b10"];

fn colour(i: usize) -> &'static str {
    let n = SERIES_COLOURS.len() + MORE.len();
    match i % n {
        k if k < SERIES_COLOURS.len() => SERIES_COLOURS[k],
        k => MORE[k - SERIES_COLOURS.len()],
    }
}

impl StackedBarChart<'_> {
    pub fn svg(&self) -> String {
        let legend_rows = self.series.len().div_ceil(5).max(1) as f64;
        let (w, h) = (640.0f64, 220.0 + 18.0 * legend_rows);
        let (left, right, top, bottom) = (44.0, 8.0, 14.0 + 18.0 * legend_rows, 28.0);
        let totals: Vec<i64> = (0..self.labels.len()).map(|i| self.series.iter().map(|s| s.1.get(i).copied().unwrap_or(0)).sum()).collect();
        let axis = Axis::for_max(totals.iter().copied().max().unwrap_or(0));
        let max = axis.top() as f64;
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let slot = plot_w / self.labels.len().max(1) as f64;
        let bar_w = (slot * 0.62).max(2.0);
        let every = label_stride(self.labels, slot);
        let mut s = String::new();
        let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {w} {h:.0}" role="img" xmlns="http://www.w3.org/2000/svg">"#);
        for (i, (name, _)) in self.series.iter().enumerate() {
            let x = left + (i % 5) as f64 * 118.0;
            let y = 12.0 + (i / 5) as f64 * 18.0;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" rx="2" style="fill:{}"/><text class="axis" x="{:.1}" y="{:.1}">{}</text>"#,
                y - 9.0,
                colour(i),
                x + 14.0,
                y,
                escape(name)
            );
        }
        for t in 0..=axis.ticks {
            let y = top + plot_h - plot_h * (t as f64) / (axis.ticks as f64);
            let _ = write!(s, r#"<line class="grid" x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#, w - right);
            let _ = write!(s, r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#, left - 6.0, y + 4.0, axis.step * t);
        }
        for (i, label) in self.labels.iter().enumerate() {
            let x = left + slot * (i as f64) + (slot - bar_w) / 2.0;
            let mut y = top + plot_h;
            for (k, (name, values)) in self.series.iter().enumerate() {
                let v = values.get(i).copied().unwrap_or(0);
                if v <= 0 {
                    continue;
                }
                let bh = plot_h * (v as f64) / max;
                y -= bh;
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{bh:.1}" style="fill:{}"><title>{} {}：{v} {}</title></rect>"#,
                    colour(k),
                    escape(label),
                    escape(name),
                    escape(self.unit)
                );
            }
            if i % every == 0 {
                x_label(&mut s, x + bar_w / 2.0, h - 8.0, label);
            }
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis() {
        // (largest value, step, top): the fewest nice steps, at most five, that cover it.
        for (max, step, top) in [
            (0, 1, 1),
            (4, 1, 4),
            (5, 1, 5),
            (7, 2, 8),
            (37, 10, 40),
            (41, 10, 50),
            (100, 20, 100),
            (1234, 500, 1500),
            (100_000, 20_000, 100_000),
        ] {
            let a = Axis::for_max(max);
            assert_eq!((a.step, a.top()), (step, top), "{max}");
            assert!(a.top() >= max && a.ticks <= MAX_TICKS);
        }
    }

    #[test]
    fn labels_do_not_overlap() {
        let days: Vec<String> = (1..=30).map(|d| format!("2026-11-{d:02}")).collect();
        let svg = BarChart { labels: &days, values: &[1; 30], unit: "次" }.svg();
        // 30 slots of under 20 px for labels about 65 px wide: every fourth label is written.
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), 8, "{svg}");
        assert!(svg.contains(">2026-11-01<") && svg.contains(">2026-11-05<") && !svg.contains(">2026-11-02<"));
        assert_eq!(svg.matches("<title>").count(), 30, "every bar keeps its tooltip");
        let short: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
        let svg = BarChart { labels: &short, values: &[1; 12], unit: "次" }.svg();
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), 12, "short labels all fit");
    }

    #[test]
    fn bars_scale_and_escape() {
        let labels = vec!["1月".to_string(), "<2月>".to_string()];
        let svg = BarChart { labels: &labels, values: &[50, 100], unit: "人" }.svg();
        // Five steps of 20 for 100: the axis ends at 100, which fills the plot (180), 50 half of it.
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;2月&gt;：100 人"));
        assert!(!svg.contains("<2月>"));
        assert!(svg.contains(r#"height="180.0""#));
        assert!(svg.contains(r#"height="90.0""#));
        assert!(!svg.contains(">200</text>"), "the axis ends at the data, not beyond");
    }
}

/// One line of a [`LineChart`].
pub struct LineSeries<'a> {
    pub name: &'a str,
    pub values: &'a [i64],
}

/// Series colours of line charts, in order (primary, teal, amber, violet, red, slate).
pub const SERIES_COLOURS: &[&str] = &["#0b66c3", "#0f7f78", "#c27803", "#7c3aed", "#b42318", "#4a5668"];

/// A trend chart: several series over the same labelled points (e.g. consultations per kind
/// per month), with a legend and a `<title>` tooltip on every point. Same frame and classes
/// as [`BarChart`]; series colours are inline so they survive outside the console's CSS.
pub struct LineChart<'a> {
    pub labels: &'a [String],
    pub series: &'a [LineSeries<'a>],
    /// Unit shown in tooltips, e.g. "单".
    pub unit: &'a str,
}

impl LineChart<'_> {
    pub fn svg(&self) -> String {
        let (w, h) = (640.0f64, 240.0f64);
        let (left, right, top, bottom) = (44.0, 12.0, 34.0, 28.0);
        let n = self.labels.len().max(1);
        let axis = Axis::for_max(self.series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0));
        let max = axis.top();
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let slot = plot_w / n as f64;
        let every = label_stride(self.labels, slot);
        let x_of = |i: usize| left + slot * (i as f64) + slot / 2.0;
        let y_of = |v: i64| top + plot_h - plot_h * (v.max(0) as f64) / (max as f64);
        let mut s = String::new();
        let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#);
        for i in 0..=axis.ticks {
            let v = axis.step * i;
            let y = top + plot_h - plot_h * (i as f64) / (axis.ticks as f64);
            let _ = write!(s, r#"<line class="grid" x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#, w - right);
            let _ = write!(s, r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{v}</text>"#, left - 6.0, y + 4.0);
        }
        // Legend, right-aligned above the plot: each entry a short stroke and the name.
        let widths: Vec<f64> = self.series.iter().map(|se| 26.0 + 12.0 * se.name.chars().count() as f64 + 14.0).collect();
        let mut x = w - right - widths.iter().sum::<f64>();
        for (k, se) in self.series.iter().enumerate() {
            let colour = SERIES_COLOURS[k % SERIES_COLOURS.len()];
            let _ = write!(
                s,
                r#"<line class="legend" x1="{x:.1}" x2="{:.1}" y1="12" y2="12" style="stroke:{colour};stroke-width:3"/><text class="axis" x="{:.1}" y="16">{}</text>"#,
                x + 18.0,
                x + 24.0,
                escape(se.name)
            );
            x += widths[k];
        }
        for (k, se) in self.series.iter().enumerate() {
            let colour = SERIES_COLOURS[k % SERIES_COLOURS.len()];
            let points: Vec<String> =
                se.values.iter().take(n).enumerate().map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v))).collect();
            let _ = write!(
                s,
                r#"<polyline class="line s{k}" points="{}" style="fill:none;stroke:{colour};stroke-width:2;stroke-linejoin:round;stroke-linecap:round"/>"#,
                points.join(" ")
            );
            for (i, (v, label)) in se.values.iter().zip(self.labels).enumerate() {
                let _ = write!(
                    s,
                    r#"<circle class="dot s{k}" cx="{:.1}" cy="{:.1}" r="3" style="fill:#ffffff;stroke:{colour};stroke-width:2"><title>{} {}：{v} {}</title></circle>"#,
                    x_of(i),
                    y_of(*v),
                    escape(label),
                    escape(se.name),
                    escape(self.unit)
                );
            }
        }
        for (i, label) in self.labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
            x_label(&mut s, x_of(i), h - 8.0, label);
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod line_chart_tests {
    use super::*;

    #[test]
    fn lines_points_legend_and_tooltips() {
        let labels = vec!["9月".to_string(), "10月".to_string(), "<11月>".to_string()];
        let series = [LineSeries { name: "图文", values: &[10, 50, 100] }, LineSeries { name: "视频", values: &[0, 5, 20] }];
        let svg = LineChart { labels: &labels, series: &series, unit: "单" }.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains("<title>10月 图文：50 单</title>"));
        assert!(svg.contains("&lt;11月&gt; 视频：20 单"));
        assert!(!svg.contains("<11月>"));
        // Legend entries in series colours.
        assert!(svg.contains(">图文</text>") && svg.contains(">视频</text>"));
        assert!(svg.contains("stroke:#0b66c3") && svg.contains("stroke:#0f7f78"));
        // Steps of 20 for a largest value of 100: the axis ends at 100, so 100 sits at the top of
        // the plot (34), 50 halfway (34 + 178 / 2 = 123), zero at its bottom (240 - 28).
        assert!(svg.contains(r#"cy="34.0""#));
        assert!(svg.contains(r#"cy="123.0""#));
        assert!(svg.contains(r#"cy="212.0""#));
    }

    #[test]
    fn empty_series_still_draw_a_frame() {
        let svg = LineChart { labels: &[], series: &[], unit: "单" }.svg();
        assert!(svg.contains("<line class=\"grid\""));
        assert!(!svg.contains("<polyline"));
    }

    #[test]
    fn stacks_scale_and_escape() {
        let labels = vec!["2026-01".to_string(), "2026-02".to_string()];
        let series = vec![("回复<慢>".to_string(), vec![10, 0]), ("态度".to_string(), vec![10, 5])];
        let svg = StackedBarChart { labels: &labels, series: &series, unit: "件" }.svg();
        // Totals 20 and 5: step 5, axis to 20; the January bar is full height in two halves.
        assert_eq!(svg.matches("<title>").count(), 3, "no segment for a zero");
        assert!(svg.contains("2026-01 回复&lt;慢&gt;：10 件"));
        assert!(!svg.contains("回复<慢>"));
        assert_eq!(svg.matches(r#"height="89.0""#).count(), 2);
    }
}
