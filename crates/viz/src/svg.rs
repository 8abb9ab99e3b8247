//! A static SVG of the timeline, for docs and CI artefacts.

use std::path::Path;

use plotters::prelude::*;

use crate::timeline::{write_file, Timeline};
use crate::Error;

impl Timeline {
    /// The timeline as a static SVG image of `width` × `height` pixels: one
    /// circle per point ([`Timeline::points`]: the rarest sessions, at most
    /// [`TimelineOptions::max_points`](crate::TimelineOptions::max_points)), time on x,
    /// score on y (log scale unless the options say otherwise); the band of the
    /// other sessions is left out of the image. Text in it is escaped by the SVG backend.
    pub fn to_svg(&self, width: u32, height: u32) -> Result<String, Error> {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            draw(self, &root).map_err(|e| Error::Svg(e.to_string()))?;
            root.present().map_err(|e| Error::Svg(e.to_string()))?;
        }
        Ok(out)
    }

    /// Write [`to_svg`](Self::to_svg) to a file.
    pub fn write_svg(&self, path: impl AsRef<Path>, width: u32, height: u32) -> Result<(), Error> {
        write_file(path.as_ref(), self.to_svg(width, height)?.as_bytes())
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(timeline: &Timeline, root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> DrawResult {
    root.fill(&WHITE)?;
    let points = timeline.points();
    let (_, score_column, _) = timeline.columns();
    let log = timeline.options().log_scale;
    // axes in f64 (robust for any i64 time); ranges kept finite and non-empty
    let (x0, x1) = padded(points.iter().map(|p| p.time_ms as f64), 3_600_000.0, (0.0, 86_400_000.0));
    let (y0, y1) = if log {
        let (lo, hi) =
            points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.score), b.max(p.score)));
        if lo > hi {
            (1e-6, 1.0)
        } else {
            // plotters counts decades with `(end / start).ln()`: keep the ratio finite
            let hi = (hi * 2.0).clamp(1e-290, 1e300);
            let lo = (lo / 2.0).clamp(hi * 1e-290, hi / 10.0);
            (lo, hi)
        }
    } else {
        padded(points.iter().map(|p| p.score), 1.0, (0.0, 1.0))
    };
    let span = (x1 - x0) as i64;
    let title =
        format!("{} — {}", timeline.options().title, timeline.summary().describe(timeline.options().score_upper_bound));
    let mut builder = ChartBuilder::on(root);
    builder.caption(title, ("sans-serif", 16)).margin(12).x_label_area_size(40).y_label_area_size(80);
    let x_label = |ms: &f64| format_ms(*ms as i64, span);
    let circles =
        points.iter().map(|p| Circle::new((p.time_ms as f64, p.score), 3, RGBColor(31, 119, 180).mix(0.7).filled()));
    if log {
        let mut chart = builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&x_label)
            .y_desc(score_column)
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()?;
        chart.draw_series(circles)?;
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
        chart.configure_mesh().x_labels(6).x_label_formatter(&x_label).y_desc(score_column).draw()?;
        chart.draw_series(circles)?;
    }
    Ok(())
}

/// The range of `values` with 2% padding, within ±1e300 so that its width is
/// finite; `min_half_width` around a single value, `empty` when there is none.
fn padded(values: impl Iterator<Item = f64>, min_half_width: f64, empty: (f64, f64)) -> (f64, f64) {
    const LIMIT: f64 = 1e300;
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return empty;
    }
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let pad = ((hi - lo) * 0.02).max(min_half_width);
    ((lo - pad).max(-LIMIT * 1.5), (hi + pad).min(LIMIT * 1.5))
}

/// `YYYY-MM-DD`, with `HH:MM` when the axis spans less than a few days (UTC).
pub(crate) fn format_ms(ms: i64, span_ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000) / 60_000;
    // civil_from_days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if span_ms < 4 * 86_400_000 {
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 60, in_day % 60)
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_ms;

    #[test]
    fn dates() {
        assert_eq!(format_ms(0, i64::MAX), "1970-01-01");
        assert_eq!(format_ms(951_782_400_000 + 90 * 60_000, 1), "2000-02-29 01:30");
        assert_eq!(format_ms(-86_400_000, i64::MAX), "1969-12-31");
        assert_eq!(format_ms(1_700_000_000_000, i64::MAX), "2023-11-14");
    }
}
