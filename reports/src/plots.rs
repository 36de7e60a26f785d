//! Charts with plotters, each written as SVG and PNG.
//!
//! Text needs a font: the DejaVu Sans of Debian's `fonts-dejavu-core` (on this project's
//! machines), or the TTF file named by `WORKBENCH_FONT`. It is loaded once, at run time, so the
//! build needs no system font library.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::FontStyle;

const SIZE: (u32, u32) = (860, 480);
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Loads and registers the chart font once; the error names what to install.
pub fn ensure_font() -> Result<(), String> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let mut candidates: Vec<String> = std::env::var("WORKBENCH_FONT").into_iter().collect();
            candidates.extend(FONT_CANDIDATES.iter().map(|s| s.to_string()));
            let (path, bytes) =
                candidates.iter().find_map(|p| std::fs::read(p).ok().map(|b| (p.clone(), b))).ok_or_else(|| {
                    "no font for the charts: install Debian's fonts-dejavu-core, or set WORKBENCH_FONT to a .ttf"
                        .to_string()
                })?;
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            for style in [FontStyle::Normal, FontStyle::Bold] {
                plotters::style::register_font("sans-serif", style, bytes)
                    .map_err(|_| format!("{path} is not a usable TrueType font"))?;
            }
            Ok(())
        })
        .clone()
}

/// One line of a line chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Dashed lines mark predictions (formulas) or secondary percentiles.
    pub dashed: bool,
    /// Index into the palette; a measurement and its formula share one.
    pub color: usize,
}

/// Axis titles and the chart title.
#[derive(Clone, Debug)]
pub struct Labels<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

fn color(index: usize) -> RGBColor {
    let c = Palette99::pick(index).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("plotting failed: {e:?}")
}

/// Renders one chart to `base.svg` and `base.png` (the same drawing code, given once per
/// backend because closures cannot be generic); returns both paths.
fn both(
    base: &Path,
    svg_draw: impl Fn(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
    png_draw: impl Fn(&DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, String> {
    ensure_font()?;
    let svg = base.with_extension("svg");
    let png = base.with_extension("png");
    {
        let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
        svg_draw(&root)?;
        root.present().map_err(err)?;
    }
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        png_draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(vec![svg, png])
}

/// The legend box every chart uses.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(err)
}

fn padded(low: f64, high: f64) -> (f64, f64) {
    if high <= low {
        (low - 1.0, high + 1.0)
    } else {
        let pad = (high - low) * 0.05;
        (low - pad, high + pad)
    }
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    series: &[Series],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let points = series.iter().flat_map(|s| s.points.iter());
    let (x_low, x_high) = points.clone().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let y_high = points.fold(0.0f64, |hi, p| hi.max(p.1));
    let (x_low, x_high) = padded(x_low, x_high);
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x_low..x_high, 0.0..(y_high * 1.1).max(1e-9))
        .map_err(err)?;
    chart.configure_mesh().x_desc(labels.x).y_desc(labels.y).draw().map_err(err)?;
    for s in series {
        let style = color(s.color).stroke_width(2);
        let legend_color = color(s.color);
        let dashed = s.dashed;
        let drawn = if s.dashed {
            chart.draw_series(DashedLineSeries::new(s.points.clone(), 6, 4, style)).map_err(err)?
        } else {
            chart.draw_series(LineSeries::new(s.points.clone(), style)).map_err(err)?
        };
        drawn.label(s.name.clone()).legend(move |(x, y)| {
            let end = if dashed { x + 8 } else { x + 20 };
            PathElement::new(vec![(x, y), (end, y)], legend_color.stroke_width(2))
        });
        // Markers show where measurements are; a CDF's hundreds of steps need none.
        if !s.dashed && s.points.len() <= 40 {
            chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color(s.color).filled()))).map_err(err)?;
        }
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// A line chart of `series`.
pub fn line_chart(base: &Path, labels: &Labels, series: &[Series]) -> Result<Vec<PathBuf>, String> {
    both(base, |root| draw_lines(root, labels, series), |root| draw_lines(root, labels, series))
}

fn draw_stacked<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    categories: &[String],
    kinds: &[String],
    values: &[Vec<f64>],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let top = values.iter().map(|v| v.iter().sum::<f64>()).fold(0.0f64, f64::max);
    let n = categories.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..(n - 0.5), 0.0..(top * 1.15).max(1e-9))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(categories.len().max(1) * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(labels.x)
        .y_desc(labels.y)
        .draw()
        .map_err(err)?;
    for (k, kind) in kinds.iter().enumerate() {
        let bars = values.iter().enumerate().map(|(i, v)| {
            let below: f64 = v[..k].iter().sum();
            let x = i as f64;
            Rectangle::new([(x - 0.35, below), (x + 0.35, below + v[k])], color(k).filled())
        });
        let legend_color = color(k);
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(kind.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], legend_color.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

/// Stacked bars: one bar per category, one segment per kind (`values[category][kind]`).
pub fn stacked_bars(
    base: &Path,
    labels: &Labels,
    categories: &[String],
    kinds: &[String],
    values: &[Vec<f64>],
) -> Result<Vec<PathBuf>, String> {
    both(
        base,
        |root| draw_stacked(root, labels, categories, kinds, values),
        |root| draw_stacked(root, labels, categories, kinds, values),
    )
}

/// Empirical CDF points of `samples` (any unit): (value, fraction at or below).
pub fn cdf_points(samples: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = sorted.len() as f64;
    sorted.iter().enumerate().map(|(i, v)| (*v, (i + 1) as f64 / n)).collect()
}

fn draw_cdf_log<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    series: &[Series],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|x| *x > 0.0);
    let (low, high) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (low, high) = if low > high { (1.0, 10.0) } else { (low * 0.8, high * 1.25) };
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((low..high).log_scale(), 0.0..1.0)
        .map_err(err)?;
    chart.configure_mesh().x_desc(labels.x).y_desc(labels.y).draw().map_err(err)?;
    for s in series {
        let style = color(s.color).stroke_width(2);
        let legend_color = color(s.color);
        chart
            .draw_series(LineSeries::new(s.points.iter().copied().filter(|p| p.0 > 0.0), style))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], legend_color.stroke_width(2)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// CDFs on a logarithmic x axis (values must be positive).
pub fn cdf_chart_log(base: &Path, labels: &Labels, series: &[Series]) -> Result<Vec<PathBuf>, String> {
    both(base, |root| draw_cdf_log(root, labels, series), |root| draw_cdf_log(root, labels, series))
}
