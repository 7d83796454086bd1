//! Property tests over the entry points the fuzz targets drive (`fuzz/`, `scripts/lab fuzz`): the
//! parsers of outside bytes on random and mutated inputs, a few hundred cases each, so that CI
//! (`cargo test --release`) runs a smoke of every target on stable Rust. Each property: no panic,
//! and an error names its file. Below them, the inputs the fuzzers found crashing, kept as
//! regression tests.
#![cfg(not(target_arch = "wasm32"))]

use burn::tensor::Device;
use latent_lab::data::draw::rgba_to_mnist;
use latent_lab::data::mnist::{Mnist, PIXELS};
use latent_lab::data::text::{normalise, tokenize, TextCorpus, Vocabulary, BAG_WORDS};
use latent_lab::error::FileError;
use latent_lab::models::pca::Pca;
use latent_lab::weights;
use proptest::collection::vec;
use proptest::prelude::*;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// An error that names `file` first, as the page shows it.
fn names(error: &FileError, file: &str) -> bool {
    error.file == file && error.to_string().starts_with(&format!("{file}: "))
}

/// A well-formed raw MNST file of the given pixels and labels.
fn mnst(pixels: &[u8], labels: &[u8]) -> Vec<u8> {
    let mut bytes = b"MNST".to_vec();
    for v in [labels.len() as u32, 28, 28] {
        bytes.extend(v.to_le_bytes());
    }
    bytes.extend(pixels);
    bytes.extend(labels);
    bytes
}

/// MNST files are parsed whole or refused by name; a parsed one's images and labels all read.
fn check_mnist(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Mnist::parse(bytes, "smoke.bin") {
        Ok(set) => {
            for index in 0..set.len() {
                prop_assert!(set.label(index) <= 9);
                prop_assert_eq!(set.image(index).len(), PIXELS);
            }
        }
        Err(error) => prop_assert!(names(&error, "smoke.bin"), "{error}"),
    }
    Ok(())
}

/// A mutation of `bytes`: `(position, value)` overwrites, then a cut at `keep` (as a fraction).
fn mutate(bytes: &[u8], edits: &[(usize, u8)], keep: f64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        for &(at, value) in edits {
            let len = out.len();
            out[at % len] = value;
        }
    }
    out.truncate((out.len() as f64 * keep.clamp(0.0, 1.0)).round() as usize);
    out
}

fn shipped_text_pca() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/weights/text-pca.bpk")).unwrap()
}

/// Weights load into the shipped text PCA's shape or are refused by name.
fn check_weights(bytes: &[u8]) -> Result<(), TestCaseError> {
    let device = Device::flex();
    match weights::load(Pca::zeros(2, BAG_WORDS, &device), bytes, "smoke.bpk") {
        Ok(pca) => prop_assert_eq!(pca.components(), 2),
        Err(error) => prop_assert!(names(&error, "smoke.bpk"), "{error}"),
    }
    Ok(())
}

/// A drawing whose bytes make `width × height` RGBA gives 784 values in [0, 1], all 0 when
/// nothing is inked and some ink when anything is (a red channel above 12 of 255, the ink
/// threshold 0.05); any other gives an error that says why.
fn check_drawing(rgba: &[u8], width: usize, height: usize) -> Result<(), TestCaseError> {
    let fits = width.checked_mul(height).and_then(|n| n.checked_mul(4)) == Some(rgba.len());
    match rgba_to_mnist(rgba, width, height) {
        Ok(digit) => {
            prop_assert!(fits, "{} bytes accepted as {width}×{height} RGBA", rgba.len());
            prop_assert_eq!(digit.len(), PIXELS);
            let (low, high) = digit.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            prop_assert!(0.0 <= low && high <= 1.0, "digit values from {low} to {high}");
            if rgba.chunks_exact(4).any(|px| px[0] > 12) {
                prop_assert!(high > 0.0, "ink in a {width}×{height} drawing, none in the digit");
            } else {
                prop_assert!(
                    high == 0.0,
                    "no ink in a {width}×{height} drawing, yet up to {high} in the digit"
                );
            }
        }
        Err(message) => {
            prop_assert!(!fits, "a {width}×{height} RGBA drawing refused: {message}");
            prop_assert!(message.starts_with("drawing has "), "{message}");
        }
    }
    Ok(())
}

/// Sizes and bytes for a drawing: three times in four a consistent `width × height × 4` bytes
/// (sides 0–40, so the success path runs), a quarter of those below the ink threshold (red 0–12,
/// which must give a blank digit); otherwise any 32-bit sizes with up to 400 bytes (almost always
/// refused).
fn drawing_input() -> impl Strategy<Value = (u32, u32, Vec<u8>)> {
    let consistent = (0u32..=40, 0u32..=40, prop_oneof![1 => Just(12u8), 3 => Just(255u8)]).prop_flat_map(
        |(width, height, brightest)| {
            let bytes = vec(any::<u8>(), 4 * (width * height) as usize).prop_map(move |mut bytes| {
                for px in bytes.chunks_exact_mut(4) {
                    px[0] = (u32::from(px[0]) * u32::from(brightest) / 255) as u8;
                }
                bytes
            });
            (Just(width), Just(height), bytes)
        },
    );
    prop_oneof![3 => consistent, 1 => (any::<u32>(), any::<u32>(), vec(any::<u8>(), 0..400))]
}

/// A corpus parses or is refused by name; any text round-trips through a vocabulary built from it.
fn check_text(bytes: &[u8]) -> Result<(), TestCaseError> {
    match TextCorpus::parse(bytes, "smoke.tsv") {
        Ok(corpus) => {
            prop_assert!(!corpus.documents.is_empty());
            prop_assert!(corpus.documents.iter().all(|d| d.topic < corpus.topics.len()));
        }
        Err(error) => prop_assert!(names(&error, "smoke.tsv"), "{error}"),
    }
    let text = String::from_utf8_lossy(bytes);
    let tokens = tokenize(&text);
    let vocabulary = Vocabulary::from_texts([text.as_ref()], usize::MAX, 1);
    let ids = vocabulary.encode(&text);
    prop_assert_eq!(ids.len(), tokens.len());
    prop_assert!(ids.iter().all(|&id| id != Vocabulary::UNK));
    prop_assert_eq!(vocabulary.decode(&ids), normalise(&text));
    prop_assert_eq!(tokenize(&normalise(&text)), tokens);
    Ok(())
}

proptest! {
    // No failure file: a failing case is printed, and the regression tests below keep those found.
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mnist_any_bytes(bytes in vec(any::<u8>(), 0..2000), gzipped: bool) {
        check_mnist(&if gzipped { gzip(&bytes) } else { bytes })?;
    }

    #[test]
    fn mnist_mutated_files(
        count in 0usize..4,
        seed: u8,
        edits in vec((any::<usize>(), any::<u8>()), 0..4),
        keep in 0.0f64..1.2,
        gzipped: bool,
    ) {
        let pixels: Vec<u8> = (0..count * PIXELS).map(|i| (i as u8).wrapping_mul(seed)).collect();
        let labels: Vec<u8> = (0..count).map(|i| (i as u8 + seed) % 10).collect();
        let good = mnst(&pixels, &labels);
        prop_assert_eq!(Mnist::parse(&good, "good.bin").unwrap().len(), count);
        let bad = mutate(&good, &edits, keep);
        check_mnist(&if gzipped { gzip(&bad) } else { bad })?;
    }

    #[test]
    fn weights_any_bytes(bytes in vec(any::<u8>(), 0..2000)) {
        check_weights(&bytes)?;
    }

    #[test]
    fn weights_mutated_shipped_file(edits in vec((any::<usize>(), any::<u8>()), 0..8), keep in 0.0f64..1.2) {
        check_weights(&mutate(&shipped_text_pca(), &edits, keep))?;
    }

    #[test]
    fn drawing_any_sizes((width, height, rgba) in drawing_input()) {
        check_drawing(&rgba, width as usize, height as usize)?;
    }

    #[test]
    fn drawing_any_ink(width in 1usize..64, height in 1usize..64, seed: u64, density in 0.0f64..1.0) {
        // Pixels inked at random (a xorshift of `seed`), in random grey levels.
        let mut state = seed | 1;
        let rgba: Vec<u8> = (0..width * height)
            .flat_map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let ink = (state % 1000) as f64 / 1000.0 < density;
                let level = if ink { (state >> 32) as u8 } else { 0 };
                [level, level, level, 255]
            })
            .collect();
        check_drawing(&rgba, width, height)?;
    }

    #[test]
    fn text_any_bytes(bytes in vec(any::<u8>(), 0..600), gzipped: bool) {
        check_text(&if gzipped { gzip(&bytes) } else { bytes })?;
    }

    #[test]
    fn text_any_corpus_lines(
        lines in vec((any::<String>(), prop_oneof![Just("train".to_string()), Just("test".to_string()), any::<String>()], any::<String>()), 0..6),
    ) {
        let file: String = lines.iter().map(|(topic, split, text)| format!("{topic}\t{split}\t{text}\n")).collect();
        check_text(file.as_bytes())?;
    }

    #[test]
    fn text_any_string(text: String) {
        check_text(text.as_bytes())?;
    }
}

#[test]
fn the_shipped_seed_files_pass() {
    // The properties above hold on good inputs too, not only by refusing everything.
    let device = Device::flex();
    weights::load(Pca::zeros(2, BAG_WORDS, &device), &shipped_text_pca(), "text-pca.bpk").unwrap();
    let digit = rgba_to_mnist(&[255; 4 * 9], 3, 3).unwrap();
    assert!(digit.iter().any(|&v| v > 0.5));
    let corpus = TextCorpus::parse(b"a\ttrain\tHello there.\nb\ttest\tBye!\n", "two.tsv").unwrap();
    assert_eq!((corpus.topics.len(), corpus.documents.len()), (2, 2));
}

// Regressions: the inputs the fuzz targets found crashing, as they found them.

/// `fuzz/` drawing target, after 730 inputs: sizes whose product overflows (a panic natively, a
/// wrap to a wrong size in wasm's 32-bit usize, where 65536 × 65536 × 4 = 0 let an empty drawing
/// through and `to_mnist` then indexed past it: a trap). The artifact's bytes and what they decode
/// to: `Drawing { width: 4227858432, height: 4127173365, fit: false, rgba: [170, 170] }`.
#[test]
fn regression_drawing_sizes_whose_product_overflows() {
    const ARTIFACT: [u8; 11] = [0x00, 0x00, 0x00, 0xfc, 0xf5, 0xaa, 0xff, 0xf5, 0xaa, 0xaa, 0xaa];
    let width = u32::from_le_bytes(ARTIFACT[0..4].try_into().unwrap()) as usize;
    let height = u32::from_le_bytes(ARTIFACT[4..8].try_into().unwrap()) as usize;
    assert_eq!((width, height), (4227858432, 4127173365));
    let error = rgba_to_mnist(&[170, 170], width, height).unwrap_err();
    assert!(error.starts_with("drawing has 2 bytes"), "{error}");
    // Sizes whose product wraps to 0 in this build's usize (as 65536 × 65536 × 4 does in wasm):
    // the unchecked product let the empty drawing through, and the conversion then panicked.
    assert!(rgba_to_mnist(&[], 1 << (usize::BITS - 2), 1).is_err());
    assert!(rgba_to_mnist(&[], 1 << (usize::BITS / 2), 1 << (usize::BITS / 2 - 2)).is_err());
    // The same sizes as the page can send them, and 0 × the largest 32-bit size.
    assert!(rgba_to_mnist(&[], 65536, 65536).is_err());
    assert!(rgba_to_mnist(&[], u32::MAX as usize, u32::MAX as usize).is_err());
    assert!(rgba_to_mnist(&[], 0, u32::MAX as usize).unwrap().iter().all(|&v| v == 0.0));
}
