//! A stacked bar chart (complaints per cause per month) as inline SVG, in the style of
//! `hops_platform::charts` (same frame, classes, axis and colours) with a legend and a
//! `<title>` tooltip on every segment.

use std::fmt::Write;

use hops_platform::charts::{SERIES_COLOURS, TICKS, nice_step};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Bars per label, each stacked from the series' values at that label.
pub struct StackedBars<'a> {
    pub labels: &'a [String],
    /// (name, one value per label).
    pub series: &'a [(String, Vec<i64>)],
    pub unit: &'a str,
}

/// Colours beyond the platform's six series colours.
const MORE: &[&str] = &["#0e9f6e", "#9f580a", "#5850ec", "#d61f69", "#1c64f2", "#6b7280", "#047481", "#8e4b10"];

fn colour(i: usize) -> &'static str {
    let all: Vec<&'static str> = SERIES_COLOURS.iter().chain(MORE).copied().collect();
    all[i % all.len()]
}

impl StackedBars<'_> {
    pub fn svg(&self) -> String {
        let legend_rows = self.series.len().div_ceil(5).max(1) as f64;
        let (w, h) = (640.0f64, 220.0 + 18.0 * legend_rows);
        let (left, right, top, bottom) = (44.0, 8.0, 14.0 + 18.0 * legend_rows, 28.0);
        let totals: Vec<i64> = (0..self.labels.len()).map(|i| self.series.iter().map(|s| s.1.get(i).copied().unwrap_or(0)).sum()).collect();
        let step = nice_step(totals.iter().copied().max().unwrap_or(0));
        let max = (step * TICKS) as f64;
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let slot = plot_w / self.labels.len().max(1) as f64;
        let bar_w = (slot * 0.62).max(2.0);
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
        for t in 0..=TICKS {
            let y = top + plot_h - plot_h * (t as f64) / (TICKS as f64);
            let _ = write!(s, r#"<line class="grid" x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#, w - right);
            let _ = write!(s, r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#, left - 6.0, y + 4.0, step * t);
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
            let _ =
                write!(s, r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#, x + bar_w / 2.0, h - 8.0, escape(label));
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_scale_and_escape() {
        let labels = vec!["2026-01".to_string(), "2026-02".to_string()];
        let series = vec![("回复<慢>".to_string(), vec![10, 0]), ("态度".to_string(), vec![10, 5])];
        let svg = StackedBars { labels: &labels, series: &series, unit: "件" }.svg();
        // Totals 20 and 5: step 5, axis to 20; the January bar is full height in two halves.
        assert_eq!(svg.matches("<title>").count(), 3, "no segment for a zero");
        assert!(svg.contains("2026-01 回复&lt;慢&gt;：10 件"));
        assert!(!svg.contains("回复<慢>"));
        assert_eq!(svg.matches(r#"height="89.0""#).count(), 2);
    }
}
