//! SVG charts drawn on the server: horizontal bars with their values written beside them, so
//! that they read without colour, printed, and by screen readers (`role="img"` with the
//! figures in its label; the pages also give them as a table).

use std::fmt::Write;

use super::format::escape;

/// Horizontal bars, one per (label, value), titled for screen readers.
pub fn bar_chart(title: &str, bars: &[(String, u64)]) -> String {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (row, label_width, bar_width) = (28, 120, 240);
    let height = bars.len() * row + 8;
    let description: Vec<String> = bars.iter().map(|(v, n)| format!("{v} : {n}")).collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"{} : {}\">",
        label_width + bar_width + 50,
        escape(title),
        escape(&description.join(", "))
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let y = i * row + 4;
        let width = (*count as f64 / max as f64 * bar_width as f64)
            .round()
            .max(2.0);
        let shown: String = label.chars().take(16).collect();
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\" fill=\"#161616\">{}</text>\
             <rect x=\"{label_width}\" y=\"{y}\" width=\"{width}\" height=\"{}\" fill=\"#000091\"></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#161616\">{count}</text>",
            label_width - 8,
            y + 15,
            escape(&shown),
            row - 8,
            label_width as f64 + width + 6.0,
            y + 15,
        );
    }
    svg.push_str("</svg>");
    svg
}
