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

/// A "nice" axis maximum: 1, 2 or 5 × a power of ten, at least `max`.
pub fn nice_max(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step = 1i64;
    while step.saturating_mul(10) <= max {
        step = step.saturating_mul(10);
    }
    [1, 2, 5, 10].iter().map(|m| step.saturating_mul(*m)).find(|v| *v >= max).unwrap_or(max)
}

impl BarChart<'_> {
    pub fn svg(&self) -> String {
        let (w, h) = (640.0f64, 220.0f64);
        let (left, right, top, bottom) = (44.0, 8.0, 12.0, 28.0);
        let n = self.values.len().max(1) as f64;
        let max = nice_max(self.values.iter().copied().max().unwrap_or(0));
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let slot = plot_w / n;
        let bar_w = (slot * 0.62).max(2.0);
        let mut s = String::new();
        let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#);
        for i in 0..=4 {
            let v = max * i / 4;
            let y = top + plot_h - plot_h * (i as f64) / 4.0;
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
    fn nice_axis() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(1234), 2000);
        assert_eq!(nice_max(4999), 5000);
        assert_eq!(nice_max(10), 10);
    }

    #[test]
    fn bars_scale_and_escape() {
        let labels = vec!["1月".to_string(), "<2月>".to_string()];
        let svg = BarChart { labels: &labels, values: &[50, 100], unit: "人" }.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;2月&gt;：100 人"));
        assert!(!svg.contains("<2月>"));
        // The larger value fills the plot height (180 = 220 - 12 - 28).
        assert!(svg.contains(r#"height="180.0""#));
        assert!(svg.contains(r#"height="90.0""#));
    }
}
