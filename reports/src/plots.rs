//! Charts with plotters, each written as SVG and PNG.
//!
//! Text uses DejaVu Sans, bundled with the binary (the `dejavu` crate), so charts need no system
//! font and look the same everywhere.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

const SIZE: (u32, u32) = (860, 480);
const TIMELINE_SIZE: (u32, u32) = (860, 620);

/// Registers the bundled chart font once.
pub fn ensure_font() -> Result<(), String> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            for (style, bytes) in
                [(FontStyle::Normal, dejavu::sans::regular()), (FontStyle::Bold, dejavu::sans::bold())]
            {
                plotters::style::register_font("sans-serif", style, bytes)
                    .map_err(|_| "the bundled DejaVu Sans font did not load".to_string())?;
            }
            Ok(())
        })
        .clone()
}

/// One point of a line, with its spread across seeds (a 95% interval) where it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub spread: Option<(f64, f64)>,
}

impl From<(f64, f64)> for Point {
    fn from((x, y): (f64, f64)) -> Self {
        Point { x, y, spread: None }
    }
}

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
    /// Dashed lines mark predictions (formulas) or secondary percentiles.
    pub dashed: bool,
    /// Index into the palette; one algorithm keeps one colour across a chart.
    pub color: usize,
}

impl Series {
    /// A series of plain points.
    pub fn plain(name: impl Into<String>, points: Vec<(f64, f64)>, dashed: bool, color: usize) -> Self {
        Series { name: name.into(), points: points.into_iter().map(Point::from).collect(), dashed, color }
    }
}

/// Axis titles and the chart title.
#[derive(Clone, Debug)]
pub struct Labels<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

/// A window of time to shade (a fault in force), in the x unit of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub from: f64,
    pub to: f64,
    pub label: String,
}

fn color(index: usize) -> RGBColor {
    const PALETTE: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
        RGBColor(188, 189, 34),
        RGBColor(80, 80, 80),
    ];
    PALETTE[index % PALETTE.len()]
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("plotting failed: {e:?}")
}

/// Renders one chart to `base.svg` and `base.png` (the same drawing code, given once per
/// backend because closures cannot be generic); returns both paths.
fn both(
    base: &Path,
    size: (u32, u32),
    svg_draw: impl Fn(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
    png_draw: impl Fn(&DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, String> {
    ensure_font()?;
    let svg = base.with_extension("svg");
    let png = base.with_extension("png");
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        svg_draw(&root)?;
        root.present().map_err(err)?;
    }
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        png_draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(vec![svg, png])
}

fn padded(low: f64, high: f64) -> (f64, f64) {
    if high <= low {
        (low - 1.0, high + 1.0)
    } else {
        let pad = (high - low) * 0.05;
        (low - pad, high + pad)
    }
}

/// Draws marker `shape` (one per series, so lines that coincide stay apart) at `at`.
fn marker<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<DB, CT>,
    shape: usize,
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> Result<(), String> {
    let size = 5;
    match shape % 4 {
        0 => chart.draw_series(points.iter().map(|p| Circle::new(*p, size - 1, style))).map(|_| ()),
        1 => chart.draw_series(points.iter().map(|p| TriangleMarker::new(*p, size + 1, style))).map(|_| ()),
        2 => {
            chart
                .draw_series(points.iter().map(|p| {
                    EmptyElement::at(*p) + Rectangle::new([(-size + 1, -size + 1), (size - 1, size - 1)], style)
                }))
                .map(|_| ())
        }
        _ => chart.draw_series(points.iter().map(|p| Cross::new(*p, size, style))).map(|_| ()),
    }
    .map_err(err)
}

/// How a line chart's x axis reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Continuous values.
    Continuous,
    /// Whole numbers only (cluster sizes): ticks at integers, series nudged apart around them.
    Integers,
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    series: &[Series],
    axis: XAxis,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let points = series.iter().flat_map(|s| s.points.iter());
    let (x_low, x_high) = points.clone().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.x), hi.max(p.x)));
    let y_high = points.fold(0.0f64, |hi, p| hi.max(p.spread.map_or(p.y, |s| s.1.max(p.y))));
    let (x_low, x_high) = if x_low > x_high { (0.0, 1.0) } else { (x_low, x_high) };
    let (x_low, x_high) = match axis {
        XAxis::Integers => (x_low - 0.5, x_high + 0.5),
        XAxis::Continuous => padded(x_low, x_high),
    };
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x_low..x_high, 0.0..(y_high * 1.12).max(1e-9))
        .map_err(err)?;
    let integer_label = |x: &f64| {
        let rounded = x.round();
        if (x - rounded).abs() < 1e-6 {
            format!("{rounded}")
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(labels.x).y_desc(labels.y);
    if axis == XAxis::Integers {
        let span = (x_high - x_low).round() as usize;
        mesh.x_labels(span * 4 + 1).x_label_formatter(&integer_label);
    }
    mesh.draw().map_err(err)?;
    // Lines that would coincide are nudged apart by a small x offset per series.
    let solid: Vec<&Series> = series.iter().filter(|s| !s.dashed).collect();
    let offset_of = |index: usize| match axis {
        XAxis::Integers if solid.len() > 1 => (index as f64 - (solid.len() - 1) as f64 / 2.0) * 0.06,
        _ => 0.0,
    };
    for (index, s) in series.iter().enumerate() {
        // A dashed line (a p99, a formula) sits where the solid line of its colour sits.
        let offset = offset_of(solid.iter().position(|t| t.color == s.color).unwrap_or(index));
        draw_one(&mut chart, s, offset, index)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

/// Draws one series, nudged `offset` along x: its line (dashed or solid) with its legend entry,
/// its error bars (the spread across seeds) and, where there are few enough points to tell
/// apart, marker `shape` at each (a CDF's hundreds of steps need none).
fn draw_one<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    s: &Series,
    offset: f64,
    shape: usize,
) -> Result<(), String> {
    let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.x + offset, p.y)).collect();
    let style = color(s.color).stroke_width(2);
    let legend_color = color(s.color);
    let dashed = s.dashed;
    let drawn = if dashed {
        chart.draw_series(DashedLineSeries::new(line.clone(), 6, 4, style)).map_err(err)?
    } else {
        chart.draw_series(LineSeries::new(line.clone(), style)).map_err(err)?
    };
    drawn.label(s.name.clone()).legend(move |(x, y)| {
        let end = if dashed { x + 8 } else { x + 20 };
        PathElement::new(vec![(x, y), (end, y)], legend_color.stroke_width(2))
    });
    let bars = s
        .points
        .iter()
        .filter_map(|p| p.spread.map(|(low, high)| (p.x + offset, low, high)))
        .filter(|(_, low, high)| high > low)
        .map(|(x, low, high)| PathElement::new(vec![(x, low), (x, high)], color(s.color).stroke_width(1)));
    chart.draw_series(bars).map_err(err)?;
    if line.len() <= 60 {
        let style = if dashed { color(s.color).stroke_width(1) } else { color(s.color).filled() };
        marker(chart, shape, &line, style)?;
    }
    Ok(())
}

/// Lines on logarithmic axes both ways (latency against throughput: a curve that spans orders
/// of magnitude, and a knee that is a bend, not a wall). Drawn on the logarithms, so the ticks
/// fall at even steps whatever the span (labelled with the values, two significant digits).
/// Points at or below zero cannot be drawn and are left out.
fn draw_log_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    series: &[Series],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let positive = |p: &&Point| p.x > 0.0 && p.y > 0.0;
    let logs = |p: &Point| Point {
        x: p.x.log10(),
        y: p.y.log10(),
        spread: p.spread.filter(|(low, _)| *low > 0.0).map(|(low, high)| (low.log10(), high.log10())),
    };
    let logged: Vec<Series> = series
        .iter()
        .map(|s| Series { points: s.points.iter().filter(positive).map(logs).collect(), ..s.clone() })
        .collect();
    let points: Vec<&Point> = logged.iter().flat_map(|s| s.points.iter()).collect();
    let (x_low, x_high) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.x), hi.max(p.x)));
    let (y_low, y_high) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        let (low, high) = p.spread.unwrap_or((p.y, p.y));
        (lo.min(low).min(p.y), hi.max(high).max(p.y))
    });
    let (x_low, x_high) = if points.is_empty() { (0.0, 1.0) } else { padded(x_low, x_high) };
    let (y_low, y_high) = if points.is_empty() { (0.0, 1.0) } else { (y_low - 0.1, y_high + 0.35) };
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)
        .map_err(err)?;
    let value = |log: &f64| {
        let v = 10f64.powf(*log);
        let digits = (1 - v.abs().log10().floor() as i32).max(0) as usize;
        let rounded = format!("{:.*}", digits, v);
        match v {
            v if v >= 10_000.0 => format!("{:.0}k", v / 1000.0),
            v if v >= 1000.0 => format!("{:.1}k", v / 1000.0),
            _ => rounded,
        }
    };
    chart
        .configure_mesh()
        .x_desc(labels.x)
        .y_desc(labels.y)
        .x_labels(10)
        .y_labels(10)
        .x_label_formatter(&value)
        .y_label_formatter(&value)
        .draw()
        .map_err(err)?;
    for (index, s) in logged.iter().enumerate() {
        // A p99 line shares its p50 line's marker.
        draw_one(&mut chart, s, 0.0, index % logged.len().div_ceil(2).max(1))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperMiddle)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

/// A line chart of `series` on logarithmic axes.
pub fn log_line_chart(base: &Path, labels: &Labels, series: &[Series]) -> Result<Vec<PathBuf>, String> {
    both(base, SIZE, |root| draw_log_lines(root, labels, series), |root| draw_log_lines(root, labels, series))
}

/// A line chart of `series`.
pub fn line_chart(base: &Path, labels: &Labels, series: &[Series], axis: XAxis) -> Result<Vec<PathBuf>, String> {
    both(base, SIZE, |root| draw_lines(root, labels, series, axis), |root| draw_lines(root, labels, series, axis))
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
        .caption(labels.title, ("sans-serif", 15))
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
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
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
        SIZE,
        |root| draw_stacked(root, labels, categories, kinds, values),
        |root| draw_stacked(root, labels, categories, kinds, values),
    )
}

/// Empirical CDF points of `samples` (any unit): (value, fraction at or below), over `total`
/// trials (more than the samples when some never produced one: the curve then ends below 1).
pub fn cdf_points(samples: &[f64], total: usize) -> Vec<(f64, f64)> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = total.max(sorted.len()).max(1) as f64;
    sorted.iter().enumerate().map(|(i, v)| (*v, (i + 1) as f64 / n)).collect()
}

fn draw_cdf_log<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels,
    series: &[Series],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.x)).filter(|x| *x > 0.0);
    let (low, high) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (low, high) = if low > high { (1.0, 10.0) } else { (low * 0.8, high * 1.25) };
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((low..high).log_scale(), 0.0..1.0)
        .map_err(err)?;
    chart.configure_mesh().x_desc(labels.x).y_desc(labels.y).draw().map_err(err)?;
    for s in series {
        let style = color(s.color).stroke_width(2);
        let legend_color = color(s.color);
        let dashed = s.dashed;
        let points: Vec<(f64, f64)> = s.points.iter().filter(|p| p.x > 0.0).map(|p| (p.x, p.y)).collect();
        let drawn = if dashed {
            chart.draw_series(DashedLineSeries::new(points, 5, 4, style)).map_err(err)?
        } else {
            chart.draw_series(LineSeries::new(points, style)).map_err(err)?
        };
        drawn.label(s.name.clone()).legend(move |(x, y)| {
            let end = if dashed { x + 8 } else { x + 20 };
            PathElement::new(vec![(x, y), (end, y)], legend_color.stroke_width(2))
        });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

/// CDFs on a logarithmic x axis (values must be positive).
pub fn cdf_chart_log(base: &Path, labels: &Labels, series: &[Series]) -> Result<Vec<PathBuf>, String> {
    both(base, SIZE, |root| draw_cdf_log(root, labels, series), |root| draw_cdf_log(root, labels, series))
}

/// A timeline: two panels over the same time axis (completed ops per second above, latency
/// below), one line per algorithm, the fault windows shaded in both.
pub struct Timeline<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub upper: (&'a str, &'a [Series]),
    pub lower: (&'a str, &'a [Series]),
    pub windows: &'a [Window],
    pub end: f64,
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: Option<&str>,
    x: &str,
    (y, series): (&str, &[Series]),
    windows: &[Window],
    end: f64,
) -> Result<(), String> {
    let y_high = series.iter().flat_map(|s| s.points.iter()).fold(0.0f64, |hi, p| hi.max(p.y));
    let top = (y_high * 1.15).max(1e-9);
    let mut builder = ChartBuilder::on(area);
    if let Some(caption) = caption {
        builder.caption(caption, ("sans-serif", 15));
    }
    let mut chart = builder
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..end.max(1e-9), 0.0..top)
        .map_err(err)?;
    chart.configure_mesh().x_desc(x).y_desc(y).draw().map_err(err)?;
    for window in windows {
        let shade = RGBColor(120, 120, 120).mix(0.18).filled();
        chart
            .draw_series(std::iter::once(Rectangle::new([(window.from, 0.0), (window.to, top)], shade)))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                window.label.clone(),
                (window.from, top * 0.97),
                ("sans-serif", 12).into_font().color(&RGBColor(80, 80, 80)),
            )))
            .map_err(err)?;
    }
    for (index, s) in series.iter().enumerate() {
        let style = color(s.color).stroke_width(2);
        let legend_color = color(s.color);
        let points: Vec<(f64, f64)> = s.points.iter().map(|p| (p.x, p.y)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), style))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], legend_color.stroke_width(2)));
        // Sparse markers, one shape per algorithm, so coinciding lines stay apart.
        let every = (points.len() / 12).max(1);
        let sparse: Vec<(f64, f64)> = points.iter().skip(index % every).step_by(every).copied().collect();
        marker(&mut chart, index, &sparse, color(s.color).filled())?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

fn draw_timeline<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, timeline: &Timeline) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (upper, lower) = root.split_vertically(TIMELINE_SIZE.1 / 2 + 20);
    draw_panel(&upper, Some(timeline.title), timeline.x, timeline.upper, timeline.windows, timeline.end)?;
    draw_panel(&lower, None, timeline.x, timeline.lower, timeline.windows, timeline.end)
}

/// A two-panel timeline with shaded fault windows.
pub fn timeline_chart(base: &Path, timeline: &Timeline) -> Result<Vec<PathBuf>, String> {
    both(base, TIMELINE_SIZE, |root| draw_timeline(root, timeline), |root| draw_timeline(root, timeline))
}
