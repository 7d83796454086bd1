//! The drawing → 28×28 conversion behind the wasm API's `drawing_to_mnist`
//! (`draw::rgba_to_mnist`) with any width, height and RGBA bytes, as the page sends them (the
//! sizes arrive as 32-bit numbers): never a panic; 784 values in [0, 1], or an error.
#![no_main]

use arbitrary::Arbitrary;
use latent_lab::data::draw::rgba_to_mnist;
use latent_lab::data::mnist::PIXELS;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Drawing<'a> {
    width: u32,
    height: u32,
    /// Make the sizes fit the bytes (a width of 1–512 and as many rows as the bytes hold), so
    /// the conversion itself is reached as often as the size check.
    fit: bool,
    rgba: &'a [u8],
}

fuzz_target!(|drawing: Drawing| {
    let (mut width, mut height, mut rgba) = (drawing.width as usize, drawing.height as usize, drawing.rgba);
    if drawing.fit {
        width = width % 512 + 1;
        height = rgba.len() / 4 / width;
        rgba = &rgba[..width * height * 4];
    }
    match rgba_to_mnist(rgba, width, height) {
        Ok(digit) => {
            assert_eq!(digit.len(), PIXELS);
            assert!(digit.iter().all(|v| (0.0..=1.0).contains(v)), "values outside [0, 1]");
            let inked = rgba.chunks_exact(4).any(|px| px[0] > 12);
            if !inked {
                assert!(digit.iter().all(|&v| v == 0.0), "a blank drawing gives a blank digit");
            }
        }
        Err(message) => assert!(message.starts_with("drawing has "), "{message}"),
    }
});
