//! Charts as SVG and PNG, drawn with plotters. The PNGs use the DejaVu Sans font shipped in
//! `assets/fonts/` (no system fonts needed); the SVGs name the font family and let the viewer
//! draw the text.

use super::bitmap::{encode_png, FewColours};
use crate::sim::Outcome;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[cfg(not(target_arch = "wasm32"))]
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
#[cfg(not(target_arch = "wasm32"))]
static REGISTER: std::sync::Once = std::sync::Once::new();

const WIDTH: u32 = 960;
const HEIGHT: u32 = 540;
/// Okabe-Ito colours: distinguishable with colour blindness.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// Makes the compiled-in DejaVu Sans the charts' font, so text is laid out and drawn the
/// same on every machine.
#[cfg(not(target_arch = "wasm32"))]
fn register_font() {
    REGISTER.call_once(|| {
        // The font is compiled in; it cannot be missing, only corrupt (a build problem).
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// In WebAssembly plotters measures and draws text with the browser's canvas (its own
/// choice for that target, which has no other font system), so a chart's text there is the
/// browser's: the one output that is not byte-identical to a native run's (README,
/// Simplifications).
#[cfg(target_arch = "wasm32")]
fn register_font() {}

/// One line of a chart.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

pub struct Chart {
    pub file_stem: String,
    pub title: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Fixed y range (fractions), or None to fit the data.
    pub y_max: Option<f64>,
    /// Moments marked by a vertical line with a label (a rollout's start and end).
    pub markers: Vec<(f64, String)>,
}

/// Per-object charts (one per Deployment, two per Service) are drawn for this many of each;
/// a large cluster's time series still has every object.
pub const MAX_OBJECT_CHARTS: usize = 12;

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let x_max = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(1.0, f64::max);
    let y_data = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let y_max = chart.y_max.unwrap_or((y_data * 1.15).max(1.0).ceil());
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(err)?;
    let fraction = chart.y_max.is_some_and(|m| m <= 1.0);
    let y_format = move |v: &f64| if fraction { format!("{v:.1}") } else { format!("{v:.0}") };
    // Counts up to 10 get one tick per whole number: plotters' default ten ticks over 0..2 would
    // print 0, 0, 0, 1, 1, 1, ... once rounded to whole pods. Above 10, its default (ten).
    let y_ticks = if !fraction && y_max <= 10.0 { y_max as usize + 1 } else { 10 };
    ctx.configure_mesh()
        .y_labels(y_ticks)
        .x_desc("virtual time (s)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&y_format)
        .y_desc(chart.y_label.as_str())
        .label_style(("sans-serif", 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, s) in chart.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        let drawn = if s.dashed {
            ctx.draw_series(DashedLineSeries::new(s.points.iter().copied(), 6, 4, style)).map_err(err)?
        } else {
            ctx.draw_series(LineSeries::new(s.points.iter().copied(), style)).map_err(err)?
        };
        drawn
            .label(s.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    let grey = RGBColor(110, 110, 110);
    // A label that would run into the previous one (a short rollout's start and end) goes a
    // line lower, down to four lines, then back to the top.
    let mut line_of_label = 0u8;
    let mut previous_at = f64::NEG_INFINITY;
    for (at, label) in &chart.markers {
        line_of_label = if *at - previous_at < x_max * 0.11 { (line_of_label + 1) % 4 } else { 0 };
        previous_at = *at;
        let line = vec![(*at, 0.0), (*at, y_max)];
        ctx.draw_series(DashedLineSeries::new(line, 4, 4, grey.stroke_width(1))).map_err(err)?;
        ctx.draw_series(std::iter::once(Text::new(
            label.clone(),
            (*at + x_max * 0.004, y_max * (0.97 - 0.045 * f64::from(line_of_label))),
            ("sans-serif", 12).into_font().color(&grey),
        )))
        .map_err(err)?;
    }
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// A chart drawn in memory: `<stem>.svg` and `<stem>.png`'s contents.
pub struct Rendered {
    pub svg: String,
    pub png: Vec<u8>,
}

/// A chart that can be drawn: a run's or a sweep's.
pub trait Drawable {
    fn file_stem(&self) -> &str;
    fn title(&self) -> &str;
    /// Draws it as SVG and as PNG, pixel for pixel the same picture.
    fn render(&self) -> Result<Rendered, String>;
}

impl Drawable for Chart {
    fn file_stem(&self) -> &str {
        &self.file_stem
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn render(&self) -> Result<Rendered, String> {
        render_with(|root| draw(root, self), |root| draw(root, self))
    }
}

/// The SVG's backend: plotters' own, and in WebAssembly with its text measured by the
/// compiled-in font, as on other targets (`wasm_text`).
#[cfg(not(target_arch = "wasm32"))]
type Svg<'a> = SVGBackend<'a>;
#[cfg(target_arch = "wasm32")]
type Svg<'a> = super::wasm_text::MeasuredSvg<'a>;

#[cfg(not(target_arch = "wasm32"))]
fn svg_backend(buf: &mut String) -> Svg<'_> {
    SVGBackend::with_string(buf, (WIDTH, HEIGHT))
}

#[cfg(target_arch = "wasm32")]
fn svg_backend(buf: &mut String) -> Svg<'_> {
    super::wasm_text::MeasuredSvg(SVGBackend::with_string(buf, (WIDTH, HEIGHT)))
}

/// Draws one picture twice, as SVG and as PNG.
fn render_with(
    svg_draw: impl FnOnce(DrawingArea<Svg, Shift>) -> Result<(), String>,
    png_draw: impl FnOnce(DrawingArea<FewColours, Shift>) -> Result<(), String>,
) -> Result<Rendered, String> {
    register_font();
    let mut svg = String::new();
    svg_draw(svg_backend(&mut svg).into_drawing_area())?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    png_draw(FewColours(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT))).into_drawing_area())?;
    let png = encode_png(&rgb, (WIDTH, HEIGHT))?;
    Ok(Rendered { svg, png })
}

/// One variant of a sweep chart: its runs' values (in seed order), their mean and 95% CI.
pub struct SweepColumn {
    pub name: String,
    pub values: Vec<f64>,
    pub mean: f64,
    pub ci95: Option<(f64, f64)>,
}

/// A headline figure across the variants of a sweep.
pub struct SweepChart {
    pub file_stem: String,
    pub title: String,
    pub y_label: String,
    pub columns: Vec<SweepColumn>,
}

impl Drawable for SweepChart {
    fn file_stem(&self) -> &str {
        &self.file_stem
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn render(&self) -> Result<Rendered, String> {
        render_with(|root| draw_sweep(root, self), |root| draw_sweep(root, self))
    }
}

/// The y range of a sweep chart: every value and interval, with a margin.
fn sweep_y_range(chart: &SweepChart) -> (f64, f64) {
    let all = chart
        .columns
        .iter()
        .flat_map(|c| c.values.iter().copied().chain([c.mean]).chain(c.ci95.map(|x| x.0)).chain(c.ci95.map(|x| x.1)));
    let (lo, hi) =
        all.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.12 } else { lo.abs().max(1.0) * 0.1 };
    (lo - pad, hi + pad)
}

/// Decimals that tell the ticks of a span apart.
fn decimals_for(span: f64) -> usize {
    if span <= 0.0 || !span.is_finite() {
        return 2;
    }
    (2.0 - span.log10().floor()).clamp(0.0, 6.0) as usize
}

/// Where run `i`'s faint point goes: left of its column's bar, spread in a fixed order.
fn jitter(i: usize) -> f64 {
    -0.2 + ((i as f64 * 0.618_033_988_749_895).fract() - 0.5) * 0.24
}

fn draw_sweep<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &SweepChart) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let n = chart.columns.len().max(1);
    let (y_min, y_max) = sweep_y_range(chart);
    let decimals = decimals_for(y_max - y_min);
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(70)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), y_min..y_max)
        .map_err(err)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc("variant (faint points: one per seed; dot and bar: mean and 95% CI)")
        .y_desc(chart.y_label.as_str())
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .label_style(("sans-serif", 14))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(err)?;
    for (i, c) in chart.columns.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let x = i as f64;
        let faint =
            c.values.iter().enumerate().map(|(k, v)| Circle::new((x + jitter(k), *v), 3, color.mix(0.3).filled()));
        ctx.draw_series(faint).map_err(err)?;
        if let Some((lo, hi)) = c.ci95 {
            // The 95% CI: a vertical bar with whiskers.
            let style = BLACK.stroke_width(2);
            let lines =
                [vec![(x, lo), (x, hi)], vec![(x - 0.05, lo), (x + 0.05, lo)], vec![(x - 0.05, hi), (x + 0.05, hi)]];
            ctx.draw_series(lines.into_iter().map(|l| PathElement::new(l, style))).map_err(err)?;
        }
        if c.mean.is_finite() {
            ctx.draw_series(std::iter::once(Circle::new((x, c.mean), 6, color.filled()))).map_err(err)?;
            ctx.draw_series(std::iter::once(Circle::new((x, c.mean), 6, BLACK.stroke_width(1)))).map_err(err)?;
        }
        // Under the column, outside the plotting area: the variant's name, then its mean and CI.
        let (px, py) = ctx.backend_coord(&(x, y_min));
        let name_style = TextStyle::from(("sans-serif", 16)).pos(Pos::new(HPos::Center, VPos::Top)).color(&color);
        root.draw(&Text::new(c.name.clone(), (px, py + 6), name_style)).map_err(err)?;
        let d = decimals + 1;
        let text = match c.ci95 {
            Some((lo, hi)) => format!("mean {:.d$}  CI [{lo:.d$}, {hi:.d$}]", c.mean),
            None => format!("mean {:.d$}", c.mean),
        };
        let stat_style = TextStyle::from(("sans-serif", 13)).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(text, (px, py + 26), stat_style)).map_err(err)?;
    }
    root.present().map_err(err)
}

/// The charts of one run: ready pods by revision per Deployment, pods by phase, and how
/// much of the cluster's cpu and memory is requested.
pub fn run_charts(outcome: &Outcome) -> Vec<Chart> {
    let ts = &outcome.metrics.timeseries;
    let times: Vec<f64> = ts.rows.iter().map(|(t, _)| t.as_secs_f64()).collect();
    let column = |name: &str| -> Vec<(f64, f64)> {
        let Some(i) = ts.columns.iter().position(|c| c == name) else { return Vec::new() };
        ts.rows.iter().filter_map(|(t, row)| row.get(i).copied().flatten().map(|v| (t.as_secs_f64(), v))).collect()
    };
    let mut charts = Vec::new();
    for (k, (kind, ns, name)) in ts.deployments().iter().enumerate().take(MAX_OBJECT_CHARTS) {
        let key = crate::metrics::timeseries::column_name(ns, name);
        let resource = kind.resource();
        let mut markers = Vec::new();
        let rollouts = outcome.metrics.rollouts.rollouts.iter().filter(|r| r.deployment == key && r.kind == *kind);
        for (i, r) in rollouts.enumerate() {
            markers.push((r.started.as_secs_f64(), format!("rollout {} starts", i + 1)));
            if let Some(done) = r.completed {
                markers.push((done.as_secs_f64(), format!("rollout {} done", i + 1)));
            }
        }
        // Desired and available first, so the per-revision lines are drawn over them.
        let mut series = vec![
            Series { label: "desired".into(), points: column(&format!("{resource}/{key}/desired")), dashed: true },
            Series { label: "available".into(), points: column(&format!("{resource}/{key}/available")), dashed: true },
        ];
        series.extend(ts.ready_by_revision[k].iter().map(|(rev, counts)| Series {
            label: format!("ready, revision {rev}"),
            points: times.iter().copied().zip(counts.iter().map(|&c| f64::from(c))).collect(),
            dashed: false,
        }));
        charts.push(Chart {
            file_stem: format!("{resource}-{}", key.replace(':', "-")),
            title: format!("{resource}/{key}: ready pods by revision"),
            y_label: "pods".into(),
            series,
            y_max: None,
            markers,
        });
    }
    let hpas = ts.columns.iter().filter_map(|c| c.strip_prefix("hpa/")?.strip_suffix("/current_replicas"));
    for key in hpas.take(MAX_OBJECT_CHARTS) {
        charts.push(Chart {
            file_stem: format!("hpa-{}", key.replace(':', "-")),
            title: format!("hpa/{key}: replicas and cpu utilization (% of request) at each sync"),
            y_label: "replicas, %".into(),
            series: vec![
                Series {
                    label: "current replicas".into(),
                    points: column(&format!("hpa/{key}/current_replicas")),
                    dashed: false,
                },
                Series {
                    label: "desired replicas".into(),
                    points: column(&format!("hpa/{key}/desired_replicas")),
                    dashed: true,
                },
                Series {
                    label: "cpu utilization %".into(),
                    points: column(&format!("hpa/{key}/cpu_utilization")),
                    dashed: false,
                },
            ],
            y_max: None,
            markers: Vec::new(),
        });
    }
    for s in outcome.metrics.traffic.services.iter().filter(|s| s.run.requests > 0).take(MAX_OBJECT_CHARTS) {
        let key = &s.name;
        let requests = column(&format!("service/{key}/requests"));
        let errors = column(&format!("service/{key}/errors"));
        let success: Vec<(f64, f64)> = requests
            .iter()
            .zip(&errors)
            .filter(|((_, n), _)| *n > 0.0)
            .map(|(&(t, n), &(_, e))| (t, (n - e) / n))
            .collect();
        charts.push(Chart {
            file_stem: format!("service-{}-availability", key.replace(':', "-")),
            title: format!("service/{key}: share of requests that succeeded, per sample"),
            y_label: "success".into(),
            series: vec![Series { label: "succeeded".into(), points: success, dashed: false }],
            y_max: Some(1.0),
            markers: Vec::new(),
        });
        // Counts per sample interval, as rates: divide by the interval that ended at each sample.
        let per_second = |counts: &[(f64, f64)]| -> Vec<(f64, f64)> {
            let mut previous = 0.0;
            counts
                .iter()
                .map(|&(t, n)| {
                    let span = t - previous;
                    previous = t;
                    (t, if span > 0.0 { n / span } else { 0.0 })
                })
                .collect()
        };
        charts.push(Chart {
            file_stem: format!("service-{}-requests", key.replace(':', "-")),
            title: format!("service/{key}: requests and errors per second"),
            y_label: "per second".into(),
            series: vec![
                Series { label: "requests".into(), points: per_second(&requests), dashed: false },
                Series { label: "errors".into(), points: per_second(&errors), dashed: false },
            ],
            y_max: None,
            markers: Vec::new(),
        });
        charts.push(Chart {
            file_stem: format!("service-{}-latency", key.replace(':', "-")),
            title: format!("service/{key}: latency of successful requests, per sample"),
            y_label: "ms".into(),
            series: vec![
                Series { label: "p50".into(), points: column(&format!("service/{key}/latency_p50_ms")), dashed: false },
                Series { label: "p99".into(), points: column(&format!("service/{key}/latency_p99_ms")), dashed: false },
            ],
            y_max: None,
            markers: Vec::new(),
        });
    }
    charts.push(Chart {
        file_stem: "pods".into(),
        title: "Pods in the cluster".into(),
        y_label: "pods".into(),
        series: vec![
            Series { label: "running".into(), points: column("cluster/all/pods_running"), dashed: false },
            Series { label: "pending".into(), points: column("cluster/all/pods_pending"), dashed: false },
        ],
        y_max: None,
        markers: Vec::new(),
    });
    charts.push(Chart {
        file_stem: "allocation".into(),
        title: "Requested share of the cluster's allocatable".into(),
        y_label: "fraction".into(),
        series: vec![
            Series { label: "cpu".into(), points: column("cluster/all/cpu_requested_frac"), dashed: false },
            Series { label: "memory".into(), points: column("cluster/all/memory_requested_frac"), dashed: false },
        ],
        y_max: Some(1.0),
        markers: Vec::new(),
    });
    unique_stems(&mut charts);
    charts
}

/// Gives each chart its own file: names differ only by `:` and `-` (Deployment `shop:web` in
/// namespace shop, `shop-web` in default) keep the first and number the others, `-2`, `-3`,
/// in the charts' order.
fn unique_stems(charts: &mut [Chart]) {
    let mut used = std::collections::BTreeSet::new();
    for chart in charts {
        let mut stem = chart.file_stem.clone();
        let mut n = 1;
        while !used.insert(stem.clone()) {
            n += 1;
            stem = format!("{}-{n}", chart.file_stem);
        }
        chart.file_stem = stem;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (png::ColorType, Vec<u8>) {
        let mut decoder = png::Decoder::new(png_bytes);
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG we wrote");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).expect("its one frame");
        pixels.truncate(frame.buffer_size());
        (reader.info().color_type, pixels)
    }

    #[test]
    fn a_chart_is_stored_indexed_pixel_for_pixel_and_small() {
        let chart = Chart {
            file_stem: "t".into(),
            title: "ready pods".into(),
            y_label: "pods".into(),
            series: vec![Series {
                label: "ready".into(),
                points: (0..600).map(|i| (f64::from(i), f64::from(i % 37))).collect(),
                dashed: false,
            }],
            y_max: None,
            markers: vec![(120.0, "rollout".into())],
        };
        register_font();
        let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
        draw(FewColours(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT))).into_drawing_area(), &chart)
            .expect("drawn");
        let png = encode_png(&rgb, (WIDTH, HEIGHT)).expect("encoded");
        let (color, pixels) = decode(&png);
        assert_eq!(color, png::ColorType::Indexed, "a chart has few colours");
        assert!(pixels == rgb, "the PNG holds exactly the pixels drawn");
        assert!(png.len() < 60_000, "a chart's PNG is {} bytes", png.len());
    }

    #[test]
    fn a_count_up_to_two_is_labelled_zero_one_two() {
        let chart = Chart {
            file_stem: "t".into(),
            title: "ready pods".into(),
            y_label: "pods".into(),
            series: vec![Series { label: "ready".into(), points: vec![(0.0, 0.0), (60.0, 1.0)], dashed: false }],
            y_max: None,
            markers: vec![],
        };
        let mut svg = String::new();
        draw(plotters::backend::SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area(), &chart)
            .expect("drawn");
        let labels: Vec<&str> = svg
            .split("text-anchor=\"end\"")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1).and_then(|x| x.split('<').next()).map(str::trim))
            .collect();
        assert_eq!(labels, ["0", "1", "2"], "one tick per whole pod, not 0 0 0 1 1 ...");
    }

    #[test]
    fn charts_whose_names_collide_get_files_of_their_own() {
        let chart = |stem: &str| Chart {
            file_stem: stem.into(),
            title: String::new(),
            y_label: String::new(),
            series: vec![],
            y_max: None,
            markers: vec![],
        };
        // Deployment shop:web and default/shop-web; a name that already ends in -2.
        let mut charts =
            vec![chart("deployment-shop-web"), chart("x-2"), chart("deployment-shop-web"), chart("x"), chart("x")];
        unique_stems(&mut charts);
        let stems: Vec<&str> = charts.iter().map(|c| c.file_stem.as_str()).collect();
        assert_eq!(stems, ["deployment-shop-web", "x-2", "deployment-shop-web-2", "x", "x-3"]);
    }

    #[test]
    fn a_picture_of_many_colours_is_stored_as_rgb_pixel_for_pixel() {
        let rgb: Vec<u8> =
            (0..64u32 * 64).flat_map(|i| [(i % 256) as u8, (i / 256) as u8, (i * 7 % 251) as u8]).collect();
        let png = encode_png(&rgb, (64, 64)).expect("encoded");
        let (color, pixels) = decode(&png);
        assert_eq!(color, png::ColorType::Rgb);
        assert!(pixels == rgb);
    }
}
