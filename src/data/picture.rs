//! Numbers as pictures for the page's diagrams of the running models: a layer's units as a grid
//! of cells, signed values in two colours, and weight vectors as small images. Host-side, after
//! the one readback of an update; the page only puts the bytes on a canvas.

/// Positive values: amber (the page's colour for positive code numbers).
const POSITIVE: [f32; 3] = [245.0, 158.0, 11.0];
/// Negative values: sky blue.
const NEGATIVE: [f32; 3] = [56.0, 189.0, 248.0];
/// Between tiles.
const GAP: [u8; 4] = [40, 44, 52, 255];

/// How a layer of `units` is laid out as cells, one cell per unit and the same cell size in every
/// layer (so a layer's area is its width): `(columns, rows)` with the columns the largest divisor
/// of `units` not above its square root (784 → 28 × 28, 256 → 16 × 16, 128 → 8 × 16, 32 → 4 × 8).
pub fn unit_grid(units: usize) -> (usize, usize) {
    let columns =
        (1..=units.max(1)).take_while(|c| c * c <= units).filter(|c| units % c == 0).last().unwrap_or(1);
    (columns, units.div_ceil(columns))
}

/// The largest |value| (at least a tiny floor, so an all-zero layer divides safely).
pub fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(1e-12f32, |m, v| m.max(v.abs()))
}

/// Signed values → RGBA on black: amber for positive, blue for negative, brighter with
/// |value| / `scale` (clamped to 1).
pub fn diverging_rgba(values: &[f32], scale: f32) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| {
            let t = (v / scale).clamp(-1.0, 1.0);
            let colour = if t >= 0.0 { POSITIVE } else { NEGATIVE };
            let [r, g, b] = colour.map(|c| (c * t.abs()).round() as u8);
            [r, g, b, 255]
        })
        .collect()
}

/// `values` holds `tiles` vectors of `side`·`side` numbers, one after another (e.g. each hidden
/// unit's 784 input weights). Each becomes a `side`×`side` picture coloured by
/// [`diverging_rgba`] on its own scale, laid out `per_row` to a row with a one-pixel gap:
/// `(rgba, width, height)`.
pub fn tiles_rgba(values: &[f32], side: usize, per_row: usize) -> (Vec<u8>, usize, usize) {
    let area = side * side;
    assert!(area > 0 && values.len() % area == 0, "{} values are not tiles of {side}×{side}", values.len());
    let tiles = values.len() / area;
    let per_row = per_row.clamp(1, tiles.max(1));
    let rows = tiles.div_ceil(per_row);
    let (width, height) = (per_row * (side + 1) - 1, rows * (side + 1) - 1);
    let mut rgba = GAP.repeat(width * height);
    for (index, tile) in values.chunks_exact(area).enumerate() {
        let pixels = diverging_rgba(tile, max_abs(tile));
        let (left, top) = ((index % per_row) * (side + 1), (index / per_row) * (side + 1));
        for y in 0..side {
            let start = ((top + y) * width + left) * 4;
            rgba[start..start + side * 4].copy_from_slice(&pixels[y * side * 4..(y + 1) * side * 4]);
        }
    }
    (rgba, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_gets_one_cell_in_a_near_square_grid() {
        assert_eq!(unit_grid(784), (28, 28));
        assert_eq!(unit_grid(256), (16, 16));
        assert_eq!(unit_grid(128), (8, 16));
        assert_eq!(unit_grid(32), (4, 8));
        assert_eq!(unit_grid(30), (5, 6));
        assert_eq!(unit_grid(10), (2, 5));
        assert_eq!(unit_grid(7), (1, 7), "a prime is one column");
        assert_eq!(unit_grid(1), (1, 1));
    }

    #[test]
    fn signs_take_two_colours_and_size_takes_brightness() {
        let rgba = diverging_rgba(&[2.0, -1.0, 0.0, 9.0], 2.0);
        assert_eq!(&rgba[0..4], &[245, 158, 11, 255], "+scale is full amber");
        assert_eq!(&rgba[4..8], &[28, 95, 124, 255], "−scale/2 is half-bright blue");
        assert_eq!(&rgba[8..12], &[0, 0, 0, 255], "zero is black");
        assert_eq!(&rgba[12..16], &rgba[0..4], "beyond the scale is clamped");
    }

    #[test]
    fn tiles_are_placed_row_by_row_each_on_its_own_scale() {
        // Three 2×2 tiles, two to a row: the second one's values are 10× the first's.
        let values = [1.0, 0.0, 0.0, -1.0, 10.0, 0.0, 0.0, -10.0, 0.0, 0.0, 0.0, 0.5];
        let (rgba, width, height) = tiles_rgba(&values, 2, 2);
        assert_eq!((width, height), (5, 5));
        let at = |x: usize, y: usize| &rgba[(y * width + x) * 4..(y * width + x) * 4 + 4];
        assert_eq!(at(0, 0), at(3, 0), "each tile on its own scale: both full amber");
        assert_eq!(at(1, 1), &[56, 189, 248, 255]);
        assert_eq!(at(2, 0), &GAP, "a gap between tiles");
        assert_eq!(at(1, 4), &[245, 158, 11, 255], "the third tile starts the second row");
        assert_eq!(at(3, 3), &GAP, "no fourth tile");
    }
}
