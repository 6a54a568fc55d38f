//! A chart's PNG: drawn with plotters' bitmap backend through `FewColours`, which rounds
//! every partly transparent pixel's opacity to one of a few steps so that the picture keeps
//! to a palette of at most 256 colours, then stored indexed, pixel for pixel, and compressed
//! in one call.

use plotters::prelude::*;
use plotters_backend::{rasterizer, BackendColor, BackendCoord, BackendStyle, DrawingErrorKind};

/// The opacities an antialiased pixel may have: multiples of 1/16. Text, sloped lines and
/// circles are drawn with a pixel's coverage as its opacity, which plotters gives at 256
/// levels: black text alone would then fill a palette with 256 greys, and each line colour
/// blended over white and the grid would add more. Sixteen steps keep the edges smooth to the
/// eye and a chart to a few dozen colours per ink.
const OPACITY_STEPS: f64 = 16.0;

/// `alpha` rounded to the nearest step (plain IEEE arithmetic: the same on every machine).
fn stepped(alpha: f64) -> f64 {
    (alpha * OPACITY_STEPS).round() / OPACITY_STEPS
}

/// plotters' `BitMapBackend` with every pixel drawn partly transparent at a stepped opacity.
/// Everything plotters draws pixel by pixel (text, sloped and wide lines, circles, polygons)
/// comes through `draw_pixel` here; straight one-pixel lines and filled rectangles, which have
/// one opacity, go to the bitmap's own fast fills as before.
pub(super) struct FewColours<'a>(pub BitMapBackend<'a>);

pub(super) type Failure<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for FewColours<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure<'a>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failure<'a>> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure<'a>> {
        let alpha = if color.alpha >= 1.0 { color.alpha } else { stepped(color.alpha) };
        if alpha <= 0.0 {
            return Ok(());
        }
        self.0.draw_pixel(point, BackendColor { alpha, rgb: color.rgb })
    }

    /// As `BitMapBackend::draw_line`, whose fast path is a straight one-pixel line; every
    /// other line through the rasterizer's pixels, so through `draw_pixel` above.
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        if (from.0 == to.0 || from.1 == to.1) && style.stroke_width() == 1 {
            return self.0.draw_line(from, to, style);
        }
        rasterizer::draw_line(self, from, to, style)
    }

    /// As `BitMapBackend::draw_rect`: a filled rectangle is the bitmap's fast fill, an outline
    /// four lines.
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure<'a>> {
        if fill {
            return self.0.draw_rect(upper_left, bottom_right, style, true);
        }
        rasterizer::draw_rect(self, upper_left, bottom_right, style, false)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Failure<'a>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// In WebAssembly, text drawn glyph by glyph with the compiled-in font (`wasm_text`):
    /// plotters' own font there only measures text with the browser, and panics when asked to
    /// draw it.
    #[cfg(target_arch = "wasm32")]
    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Failure<'a>> {
        super::wasm_text::draw_text(self, text, style, pos)
    }

    /// In WebAssembly, text measured with the compiled-in font, as on other targets.
    #[cfg(target_arch = "wasm32")]
    fn estimate_text_size<S: plotters_backend::BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Failure<'a>> {
        super::wasm_text::text_size(text, style.size())
    }
}

/// The deflate level of a chart's pixels (miniz_oxide, pure Rust and the same bytes on every
/// machine and in WebAssembly). Measured on day-100's 42 charts, compressed whole: level 6
/// (zlib's default, what the `png` crate used) takes 2.3x level 3's time for 16% fewer bytes.
const DEFLATE_LEVEL: u8 = 3;

/// A picture's PNG, pixel for pixel: indexed colour when it has at most 256 colours (a chart
/// drawn through `FewColours` does), RGB otherwise. About a quarter of the bytes of plotters'
/// own encoder, so that a report can carry every chart inline.
pub(super) fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_depth(png::BitDepth::Eight);
    match palette_indexes(rgb, width as usize) {
        Some((palette, rows)) => {
            encoder.set_color(png::ColorType::Indexed);
            encoder.set_palette(palette);
            let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
            // The rows, each with its filter byte, compressed in one call: the `png` crate's
            // writer hands deflate one row at a time through flate2, which clears a 32 KiB
            // buffer on each write (two per row).
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&rows, DEFLATE_LEVEL);
            writer.write_chunk(png::chunk::IDAT, &compressed).map_err(|e| e.to_string())?;
            writer.finish().map_err(|e| e.to_string())?;
        }
        None => {
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_compression(png::Compression::Default);
            encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
            let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
            writer.write_image_data(rgb).map_err(|e| e.to_string())?;
            writer.finish().map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}

/// Slots of the colour table: a power of two, four times the most colours a palette holds.
const SLOTS: usize = 1024;

/// The palette (colours in order of first appearance, so the same picture gives the same
/// file) and the image's rows as PNG stores them: each a filter byte (0, none) and its
/// pixels' indexes into the palette; `None` beyond 256 colours.
///
/// A row the same as the one above (most of a chart's rows, between its lines and its text)
/// is a copy of that row's indexes; a pixel the colour of the one before it costs a
/// comparison; another is found in a table of `SLOTS` colours addressed by a multiply and a
/// shift of its 24 bits, probed linearly.
fn palette_indexes(rgb: &[u8], width: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    const EMPTY: u32 = u32::MAX;
    let width = width.max(1);
    let mut keys = [EMPTY; SLOTS];
    let mut values = [0u8; SLOTS];
    let mut palette = Vec::new();
    let mut colours = 0usize;
    let height = rgb.len() / (3 * width);
    let stride = width + 1;
    let mut rows = vec![0u8; height * stride];
    let mut last = (EMPTY, 0u8);
    for (y, row) in rgb.chunks_exact(3 * width).enumerate() {
        if y > 0 && row == &rgb[(y - 1) * 3 * width..y * 3 * width] {
            rows.copy_within((y - 1) * stride..y * stride, y * stride);
            continue;
        }
        // The row's filter byte stays 0.
        let out = &mut rows[y * stride + 1..(y + 1) * stride];
        for (px, index) in row.chunks_exact(3).zip(out) {
            let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
            if key != last.0 {
                let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 22) as usize;
                let found = loop {
                    if keys[slot] == key {
                        break values[slot];
                    }
                    if keys[slot] == EMPTY {
                        let new = u8::try_from(colours).ok()?;
                        colours += 1;
                        keys[slot] = key;
                        values[slot] = new;
                        palette.extend_from_slice(px);
                        break new;
                    }
                    slot = (slot + 1) % SLOTS;
                };
                last = (key, found);
            }
            *index = last.1;
        }
    }
    Some((palette, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opacities_are_rounded_to_sixteenths() {
        assert_eq!(stepped(0.0), 0.0);
        assert_eq!(stepped(0.02), 0.0);
        assert_eq!(stepped(0.04), 0.0625);
        assert_eq!(stepped(0.5), 0.5);
        assert_eq!(stepped(0.97), 1.0);
    }

    #[test]
    fn a_palette_is_in_order_of_first_appearance() {
        // Three pixels a row, three rows: red, white, red / black, white, black / the same.
        let rgb =
            [255, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 0];
        let (palette, rows) = palette_indexes(&rgb, 3).expect("three colours");
        assert_eq!(palette, [255, 0, 0, 255, 255, 255, 0, 0, 0]);
        assert_eq!(rows, [0, 0, 1, 0, 0, 2, 1, 2, 0, 2, 1, 2]);
    }

    #[test]
    fn a_257th_colour_gives_no_palette() {
        let rgb: Vec<u8> = (0..257u32).flat_map(|i| [(i % 256) as u8, (i / 256) as u8, 0]).collect();
        assert!(palette_indexes(&rgb, 257).is_none());
        assert!(palette_indexes(&rgb[..256 * 3], 256).is_some());
    }
}
