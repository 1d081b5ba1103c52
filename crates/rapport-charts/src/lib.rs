//! Charts as accessible SVG text, for the desk (Yew, inline) and head office's dashboard
//! (server-rendered HTML) alike. Each chart is an `<svg role="img">` named by its `<title>` and
//! described by a `<desc>` that says every value in words (the text alternative a screen reader
//! reads); the page shows the same figures in a table too. No fonts, scripts or files: the
//! SVG inherits the page's font and colours it with two fixed tones.

use std::fmt::Write;

/// One bar: what it is and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Self { label: label.into(), value }
    }
}

/// A horizontal bar chart: one row per bar, its label, its bar and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart<'a> {
    /// Unique on its page (the title and description are named by it).
    pub id: &'a str,
    pub title: &'a str,
    pub bars: &'a [Bar],
    /// After each value: `%`, ` visits`…
    pub unit: &'a str,
    /// The scale's end (default: the largest value).
    pub max: Option<f64>,
    /// A line across every row (a standard to meet), with its name.
    pub target: Option<(f64, &'a str)>,
    /// Decimals shown.
    pub decimals: usize,
}

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 180.0;
const VALUE_WIDTH: f64 = 90.0;
const ROW: f64 = 28.0;
const TOP: f64 = 8.0;

/// Text fit for SVG and HTML alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl BarChart<'_> {
    fn value_text(&self, v: f64) -> String {
        format!("{v:.prec$}{}", self.unit, prec = self.decimals)
    }

    /// The chart's text alternative: every bar's label and value, in order.
    pub fn description(&self) -> String {
        if self.bars.is_empty() {
            return "No data.".to_owned();
        }
        let mut parts: Vec<String> =
            self.bars.iter().map(|b| format!("{}: {}", b.label, self.value_text(b.value))).collect();
        if let Some((t, name)) = self.target {
            parts.push(format!("{name}: {}", self.value_text(t)));
        }
        parts.join("; ") + "."
    }

    pub fn svg(&self) -> String {
        let rows = self.bars.len().max(1) as f64;
        let height = TOP * 2.0 + rows * ROW;
        let largest = self.bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
        let max = self.max.unwrap_or(largest).max(self.target.map_or(0.0, |t| t.0)).max(f64::MIN_POSITIVE);
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        let id = escape(self.id);
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
             aria-labelledby=\"{id}-title {id}-desc\" font-size=\"13\" font-family=\"inherit\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(self.title),
            escape(&self.description())
        );
        if self.bars.is_empty() {
            let _ = write!(s, "<text x=\"{}\" y=\"{}\" fill=\"#52606d\">No data</text>", LABEL_WIDTH, TOP + ROW * 0.6);
        }
        for (i, b) in self.bars.iter().enumerate() {
            let y = TOP + i as f64 * ROW;
            let w = (b.value.max(0.0) / max * span).min(span);
            let _ = write!(
                s,
                "<g><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#1f2933\">{label}</text>\
                 <rect x=\"{LABEL_WIDTH}\" y=\"{ry}\" width=\"{w:.1}\" height=\"{rh}\" rx=\"3\" fill=\"#0b6e4f\"/>\
                 <text x=\"{vx:.1}\" y=\"{ty}\" fill=\"#1f2933\">{value}</text></g>",
                lx = LABEL_WIDTH - 8.0,
                ty = y + ROW * 0.62,
                label = escape(&b.label),
                ry = y + 5.0,
                rh = ROW - 10.0,
                vx = LABEL_WIDTH + w + 6.0,
                value = escape(&self.value_text(b.value)),
            );
        }
        if let Some((t, name)) = self.target {
            let x = LABEL_WIDTH + (t / max * span).min(span);
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{y2}\" stroke=\"#8a041a\" stroke-width=\"2\" stroke-dasharray=\"4 3\">\
                 <title>{}</title></line>",
                escape(&format!("{name}: {}", self.value_text(t))),
                y2 = height - TOP,
            );
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(bars: &[Bar]) -> String {
        BarChart {
            id: "no-shows",
            title: "No-shows by clinic",
            bars,
            unit: "%",
            max: Some(100.0),
            target: None,
            decimals: 1,
        }
        .svg()
    }

    #[test]
    fn a_chart_is_named_and_says_every_value_in_words() {
        let svg = chart(&[Bar::new("Lotus", 12.5), Bar::new("North <east>", 8.0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby=\"no-shows-title no-shows-desc\""));
        assert!(svg.contains("<title id=\"no-shows-title\">No-shows by clinic</title>"));
        assert!(svg.contains("<desc id=\"no-shows-desc\">Lotus: 12.5%; North &lt;east&gt;: 8.0%.</desc>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(!svg.contains("<east>"), "labels are escaped");
    }

    #[test]
    fn bars_are_to_scale_and_never_overflow() {
        let svg = chart(&[Bar::new("half", 50.0), Bar::new("over", 250.0), Bar::new("below", -5.0)]);
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        assert!(svg.contains(&format!("width=\"{:.1}\"", span / 2.0)));
        assert!(svg.contains(&format!("width=\"{span:.1}\"")));
        assert!(svg.contains("width=\"0.0\""));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = chart(&[]);
        assert!(svg.contains("<desc id=\"no-shows-desc\">No data.</desc>") && svg.contains(">No data</text>"));
    }

    #[test]
    fn a_target_is_drawn_and_described() {
        let bars = [Bar::new("Lotus", 93.0)];
        let c = BarChart {
            id: "w",
            title: "Seen within 30 minutes",
            bars: &bars,
            unit: "%",
            max: Some(100.0),
            target: Some((90.0, "standard")),
            decimals: 0,
        };
        assert!(c.description().ends_with("Lotus: 93%; standard: 90%."));
        assert!(c.svg().contains("<line") && c.svg().contains("<title>standard: 90%</title>"));
    }
}
