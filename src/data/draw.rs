//! A drawing → an MNIST-style 28×28 digit, the way MNIST itself was made: the ink's bounding box
//! is fitted into 20×20 (aspect kept, anti-aliased by area averaging), then the result is placed
//! in 28×28 so that its centre of mass falls on the centre.

use super::mnist::{PIXELS, SIDE};

const FIT: f32 = 20.0;
/// Ink below this (of 1.0) is treated as background when finding the bounding box.
const INK_THRESHOLD: f32 = 0.05;

/// `ink` is row-major, `width × height`, 0 = background, 1 = full ink. Returns 784 values in
/// [0, 1]; an empty drawing gives an empty image.
pub fn to_mnist(ink: &[f32], width: usize, height: usize) -> Vec<f32> {
    assert_eq!(ink.len(), width * height, "drawing is not {width}×{height}");
    let Some((x0, y0, x1, y1)) = ink_box(ink, width, height) else {
        return vec![0.0; PIXELS];
    };
    let (box_w, box_h) = ((x1 - x0) as f32, (y1 - y0) as f32);
    let scale = FIT / box_w.max(box_h);
    let (fit_w, fit_h) =
        (((box_w * scale).round() as usize).max(1), ((box_h * scale).round() as usize).max(1));
    let fitted = area_resample(ink, width, (x0, y0, box_w, box_h), fit_w, fit_h);

    // Shift so the centre of mass (pixel centres at i + 0.5) lands on (14, 14).
    let (mass, mx, my) = fitted.iter().enumerate().fold((0.0, 0.0, 0.0), |(m, sx, sy), (i, &v)| {
        (m + v, sx + v * ((i % fit_w) as f32 + 0.5), sy + v * ((i / fit_w) as f32 + 0.5))
    });
    let centre = SIDE as f32 / 2.0;
    let (dx, dy) = (centre - mx / mass, centre - my / mass);
    let mut out = vec![0.0; PIXELS];
    for (y, row) in out.chunks_mut(SIDE).enumerate() {
        for (x, value) in row.iter_mut().enumerate() {
            *value = bilinear(&fitted, fit_w, fit_h, x as f32 - dx, y as f32 - dy);
        }
    }
    out
}

/// A drawing as the page sends it (RGBA bytes, white ink on black, `width × height`) as a 28×28
/// MNIST-style input, or an error when its bytes do not make a `width × height` image. What the
/// wasm API's drawing methods call.
pub fn rgba_to_mnist(rgba: &[u8], width: usize, height: usize) -> Result<Vec<f32>, String> {
    // Checked: sizes from the page are any 32-bit numbers, and their product wraps in wasm's
    // 32-bit usize (65536 × 65536 × 4 = 0 there, which an empty drawing matched).
    if width.checked_mul(height).and_then(|n| n.checked_mul(4)) != Some(rgba.len()) {
        return Err(format!("drawing has {} bytes, not {width}×{height} RGBA", rgba.len()));
    }
    if rgba.is_empty() {
        // 0 × anything: blank, without walking the other side's (up to 2³² − 1) rows or columns.
        return Ok(vec![0.0; PIXELS]);
    }
    Ok(to_mnist(&ink_from_rgba(rgba), width, height))
}

/// Reads one channel of RGBA bytes (the page draws white ink on black) as ink in [0, 1].
pub fn ink_from_rgba(rgba: &[u8]) -> Vec<f32> {
    rgba.chunks_exact(4).map(|px| f32::from(px[0]) / 255.0).collect()
}

/// Half-open box `[x0, x1) × [y0, y1)` around all ink, or `None` for a blank drawing.
fn ink_box(ink: &[f32], width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
    let mut bounds: Option<(usize, usize, usize, usize)> = None;
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] > INK_THRESHOLD {
                let b = bounds.get_or_insert((x, y, x + 1, y + 1));
                *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
            }
        }
    }
    bounds
}

/// Averages the source area under each target pixel (exact fractional coverage), which is the
/// anti-aliasing a large pen stroke needs when it shrinks to a few pixels.
fn area_resample(
    ink: &[f32],
    width: usize,
    (x0, y0, box_w, box_h): (usize, usize, f32, f32),
    out_w: usize,
    out_h: usize,
) -> Vec<f32> {
    let (step_x, step_y) = (box_w / out_w as f32, box_h / out_h as f32);
    // `limit`: the box's own extent, which rounding in `start + step` must not pass.
    let spans = |start: f32, step: f32, limit: f32| -> Vec<(usize, f32)> {
        let (lo, hi) = (start, (start + step).min(limit));
        (lo.floor() as usize..hi.ceil() as usize)
            .map(|i| (i, (hi.min(i as f32 + 1.0) - lo.max(i as f32)).max(0.0)))
            .collect()
    };
    let mut out = vec![0.0; out_w * out_h];
    for ty in 0..out_h {
        let rows = spans(ty as f32 * step_y, step_y, box_h);
        for tx in 0..out_w {
            let cols = spans(tx as f32 * step_x, step_x, box_w);
            let mut sum = 0.0;
            for &(sy, wy) in &rows {
                for &(sx, wx) in &cols {
                    sum += wy * wx * ink[(y0 + sy) * width + x0 + sx];
                }
            }
            out[ty * out_w + tx] = (sum / (step_x * step_y)).clamp(0.0, 1.0);
        }
    }
    out
}

/// Samples `image` at real coordinates (pixel centres at integers), zero outside.
fn bilinear(image: &[f32], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let at = |ix: i64, iy: i64| -> f32 {
        if ix < 0 || iy < 0 || ix >= width as i64 || iy >= height as i64 {
            0.0
        } else {
            image[iy as usize * width + ix as usize]
        }
    };
    let (fx, fy) = (x.floor(), y.floor());
    let (ax, ay) = (x - fx, y - fy);
    let (ix, iy) = (fx as i64, fy as i64);
    (1.0 - ay) * ((1.0 - ax) * at(ix, iy) + ax * at(ix + 1, iy))
        + ay * ((1.0 - ax) * at(ix, iy + 1) + ax * at(ix + 1, iy + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Centre of mass by pixel centres (i + 0.5), so the 28×28 middle is (14, 14).
    fn mass_centre(image: &[f32]) -> (f32, f32) {
        let mass: f32 = image.iter().sum();
        let (sx, sy) = image.iter().enumerate().fold((0.0, 0.0), |(sx, sy), (i, &v)| {
            (sx + v * ((i % SIDE) as f32 + 0.5), sy + v * ((i / SIDE) as f32 + 0.5))
        });
        (sx / mass, sy / mass)
    }

    fn ink_extent(image: &[f32]) -> (usize, usize) {
        let (x0, y0, x1, y1) = ink_box(image, SIDE, SIDE).unwrap();
        (x1 - x0, y1 - y0)
    }

    #[test]
    fn an_off_centre_stroke_lands_centred_and_fitted() {
        // A thick diagonal stroke in the top-left corner of a 280×280 pad.
        let (w, h) = (280, 280);
        let mut ink = vec![0.0; w * h];
        for t in 0..100 {
            for d in 0..12 {
                ink[(20 + t) * w + 10 + t / 2 + d] = 1.0;
            }
        }
        let digit = to_mnist(&ink, w, h);
        let (cx, cy) = mass_centre(&digit);
        assert!((cx - 14.0).abs() < 1.0 && (cy - 14.0).abs() < 1.0, "centre ({cx}, {cy})");
        let (ew, eh) = ink_extent(&digit);
        assert!((19..=22).contains(&eh), "height {eh}"); // 20 px plus anti-aliased edges
        assert!(ew < eh, "aspect kept: {ew}×{eh}");
        assert!(digit.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(digit.iter().any(|&v| v > 0.0 && v < 1.0), "anti-aliased edges");
    }

    /// Boxes whose size does not divide evenly into the fitted size, touching the canvas's
    /// edges: rounding in the resampling must stay inside the canvas.
    #[test]
    fn ink_at_the_edges_of_any_pad_size_stays_inside() {
        for (width, height) in [(140, 140), (97, 131), (280, 280)] {
            for stroke_width in [1, 3, 11, 13] {
                let mut ink = vec![0.0; width * height];
                for y in height / 3..height {
                    for x in width / 2..(width / 2 + stroke_width).min(width) {
                        ink[y * width + x] = 1.0;
                    }
                }
                let digit = to_mnist(&ink, width, height);
                let total: f32 = digit.iter().sum();
                assert!(total > 5.0, "{width}×{height}, stroke {stroke_width}: ink {total}");
            }
        }
    }

    #[test]
    fn a_blank_pad_gives_a_blank_digit() {
        assert!(to_mnist(&vec![0.0; 100 * 50], 100, 50).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn a_single_dot_still_centres() {
        let mut ink = vec![0.0; 64 * 64];
        ink[3 * 64 + 60] = 1.0;
        let (cx, cy) = mass_centre(&to_mnist(&ink, 64, 64));
        assert!((cx - 14.0).abs() < 1.0 && (cy - 14.0).abs() < 1.0, "({cx}, {cy})");
    }

    #[test]
    fn rgba_uses_the_red_channel() {
        assert_eq!(ink_from_rgba(&[255, 0, 0, 255, 0, 9, 9, 255]), vec![1.0, 0.0]);
    }
}
