//! A chart's text in WebAssembly. plotters has no font of its own for that target: its font
//! there measures text by laying it out in the browser's page and cannot draw into a bitmap
//! (plotters 0.3.7, `src/style/font/web.rs`, whose `draw` is the trait's default that
//! panics). So text is measured and drawn here with the DejaVu Sans the native build
//! registers (`charts::register_font`), by plotters' own steps for it on other targets: the
//! layout of `FontDataInternal::estimate_layout` and the glyphs of `FontDataInternal::draw`
//! in `src/style/font/ab_glyph.rs`, placed as `DrawingBackend::draw_text` places them
//! (plotters-backend 0.3.7, `src/lib.rs`). The PNG's backend (`bitmap::FewColours`) draws
//! and measures through it, the SVG's (`MeasuredSvg`) measures: a chart's title, axis labels
//! and ticks then sit where they do in a native run, pixel for pixel. Text that plotters lays
//! out through the font alone, a legend's box, is still measured by the browser, the one
//! difference left (README, Simplifications).

use super::bitmap::{Failure, FewColours};
use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT: std::sync::OnceLock<Option<FontRef<'static>>> = std::sync::OnceLock::new();

/// A font error, as plotters reports one.
#[derive(Debug)]
struct Unreadable;

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the compiled-in font cannot be read")
    }
}

impl std::error::Error for Unreadable {}

fn font<E: std::error::Error + Send + Sync>() -> Result<&'static FontRef<'static>, DrawingErrorKind<E>> {
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or_else(|| DrawingErrorKind::FontError(Box::new(Unreadable)))
}

/// A text's box: its upper left and lower right corners, as plotters' `LayoutBox`.
type Layout = ((i32, i32), (i32, i32));

/// `text`'s box at `size` pixels: ab_glyph.rs `estimate_layout`.
fn layout<E: std::error::Error + Send + Sync>(text: &str, size: f64) -> Result<Layout, DrawingErrorKind<E>> {
    let pixel_per_em = size / 1.24;
    let font = font()?.as_scaled(size as f32);
    let mut x_pixels = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let glyph_id = font.glyph_id(c);
        x_pixels += font.h_advance(glyph_id);
        if let Some(pc) = prev {
            x_pixels += font.kern(pc, glyph_id);
        }
        prev = Some(glyph_id);
    }
    Ok(((0, 0), (x_pixels as i32, pixel_per_em as i32)))
}

/// The size `DrawingBackend::estimate_text_size` gives for `text`: its layout's width and
/// height.
pub(super) fn text_size<E: std::error::Error + Send + Sync>(
    text: &str,
    size: f64,
) -> Result<(u32, u32), DrawingErrorKind<E>> {
    let ((min_x, min_y), (max_x, max_y)) = layout(text, size)?;
    Ok(((max_x - min_x).unsigned_abs(), (max_y - min_y).unsigned_abs()))
}

/// `DrawingBackend::draw_text` with ab_glyph.rs `draw` as the font's drawing.
pub(super) fn draw_text<'a, S: BackendTextStyle>(
    backend: &mut FewColours<'a>,
    text: &str,
    style: &S,
    pos: BackendCoord,
) -> Result<(), Failure<'a>> {
    let color = style.color();
    if color.alpha == 0.0 {
        return Ok(());
    }
    let size = style.size();
    let ((min_x, min_y), (max_x, max_y)) = layout(text, size)?;
    let (width, height) = (max_x - min_x, max_y - min_y);
    let dx = match style.anchor().h_pos {
        HPos::Left => 0,
        HPos::Right => -width,
        HPos::Center => -width / 2,
    };
    let dy = match style.anchor().v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    let trans = style.transform();
    let (w, h) = backend.get_size();
    let font = font()?.as_scaled(size as f32);
    let mut x_shift = 0f32;
    let mut prev = None;
    for c in text.chars() {
        if let Some(pc) = prev {
            x_shift += font.kern(font.glyph_id(pc), font.glyph_id(c));
        }
        prev = Some(c);
        if let Some(q) = font.outline_glyph(font.scaled_glyph(c)) {
            let rect = q.px_bounds();
            let y_shift = ((size as f32) / 2.0 + rect.min.y) as i32;
            let x_shift = x_shift as i32;
            let mut coverage = vec![];
            q.draw(|x, y, a| coverage.push((x, y, a)));
            for (x, y, a) in coverage {
                let (x, y) = trans.transform(x as i32 + x_shift + dx - min_x, y as i32 + y_shift + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    backend.draw_pixel((x, y), color.mix(f64::from(a)))?;
                }
            }
        }
        x_shift += font.h_advance(font.glyph_id(c));
    }
    Ok(())
}

/// plotters' `SVGBackend`, every drawing its own, with text measured by the compiled-in font.
pub(super) struct MeasuredSvg<'a>(pub SVGBackend<'a>);

type SvgFailure<'a> = DrawingErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for MeasuredSvg<'a> {
    type ErrorType = <SVGBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), SvgFailure<'a>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), SvgFailure<'a>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), SvgFailure<'a>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.fill_polygon(vert, style)
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), SvgFailure<'a>> {
        self.0.draw_text(text, style, pos)
    }
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), SvgFailure<'a>> {
        text_size(text, style.size())
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), SvgFailure<'a>> {
        self.0.blit_bitmap(pos, size, src)
    }
}
