//! Whether an image looks like an MNIST digit, from a few pixel statistics (no weights), and the
//! judge that combines it with the classifier: a sample "reads as a digit" when the classifier is
//! confident *and* the image is MNIST-like, so that scribbles the classifier confidently misreads
//! do not count. Kept apart from `classifier.rs`, which holds a trained model and its training;
//! this is plain arithmetic on pixels, the same natively and in the page.
//!
//! The statistics (ink = pixels above [`INK`]):
//! - ink share: how much of the canvas is ink (noise and filled blobs have far too much);
//! - grey share: pixels between [`GREY_LOW`] and [`GREY_HIGH`] (blur; binary models paint none);
//! - largest blob: the largest 8-connected ink blob's share of all ink (separated blobs, strokes
//!   broken into fragments, specks);
//! - height and width of the ink's bounding box (MNIST fits every digit into 20 × 20 pixels);
//! - box fill: ink over the bounding box's area (sprawling strokes, solid fills).
//!
//! Where the ink sits is deliberately not checked: MNIST centres each digit's mass, but a digit
//! two pixels off centre still reads as that digit to a person.
//!
//! The accepted ranges come from real digits, in two views: as they are (what the grey models
//! see) and stochastically binarised (what the binary PixelRNN learns to paint, ragged edges and
//! specks included). Each statistic's range spans the central `1 − 2·tail` of each view; one
//! shared `tail` is the largest (in steps of [`TAIL_STEP`]) for which the check as a whole keeps at
//! least [`KEEP`] of the digits it was fitted on. Per-statistic central 99 % ranges would keep
//! only about 97 % of real digits once six statistics each reject their own 1 %.
//! [`fit_ranges`] computes them; `tests/judge.rs` prints them and checks [`RANGES`] against a fresh
//! fit on the first [`FIT_DIGITS`] test digits.

use burn::tensor::Tensor;

use super::classifier::{judge, top_class, Classifier, CLASSES, READS_AS_DIGIT};
use crate::data::mnist::{PIXELS, SIDE};

/// A pixel above this is ink.
pub const INK: f32 = 0.5;
/// Grey (neither background nor ink) pixels lie strictly between these.
pub const GREY_LOW: f32 = 0.2;
pub const GREY_HIGH: f32 = 0.8;

pub const STATISTICS: usize = 6;
pub const NAMES: [&str; STATISTICS] =
    ["ink share", "grey share", "largest blob", "height", "width", "box fill"];

/// Share of the fitted digits the check as a whole keeps.
pub const KEEP: f32 = 0.99;
/// Steps in which the tail share is searched (0.01 %), down from 0.5 % (central 99 %).
pub const TAIL_STEP: f32 = 0.0001;
pub const MAX_TAIL: f32 = 0.005;
/// The ranges are fitted on the first this many test digits; the rest are held out.
pub const FIT_DIGITS: usize = 5000;

/// `[low, high]` per statistic, inclusive.
pub type Ranges = [(f32, f32); STATISTICS];

/// Fitted by [`fit_ranges`] on the first [`FIT_DIGITS`] digits of `www/data/mnist_test.bin.gz`, as
/// they are and binarised with `BOUND_SEED` (`cargo test --release --test judge -- --nocapture`
/// prints them; a test checks they match a fresh fit). Tail share [`FITTED_TAIL`].
pub const RANGES: Ranges = [
    (0.034438774, 0.28316328),
    (0.0, 0.1007653),
    (0.38709676, 1.0),
    (12.0, 20.0),
    (2.0, 20.0),
    (0.146875, 0.9),
];
pub const FITTED_TAIL: f32 = 0.0023;

/// The statistics of one 28 × 28 image (values in [0, 1], row-major), in [`NAMES`]' order.
pub fn statistics(image: &[f32]) -> [f32; STATISTICS] {
    assert_eq!(image.len(), PIXELS, "one 28 × 28 image");
    let ink: Vec<bool> = image.iter().map(|&v| v > INK).collect();
    let inked = ink.iter().filter(|&&on| on).count();
    let grey = image.iter().filter(|&&v| v > GREY_LOW && v < GREY_HIGH).count();
    let largest = blob_sizes(&ink).into_iter().max().unwrap_or(0);
    let rows: Vec<usize> = (0..SIDE).filter(|&r| ink[r * SIDE..(r + 1) * SIDE].contains(&true)).collect();
    let cols: Vec<usize> = (0..SIDE).filter(|&c| (0..SIDE).any(|r| ink[r * SIDE + c])).collect();
    let span = |at: &[usize]| at.last().map_or(0, |last| last - at[0] + 1);
    let (height, width) = (span(&rows), span(&cols));
    [
        inked as f32 / PIXELS as f32,
        grey as f32 / PIXELS as f32,
        largest as f32 / inked.max(1) as f32,
        height as f32,
        width as f32,
        inked as f32 / (height * width).max(1) as f32,
    ]
}

/// Sizes of the 8-connected blobs of `ink` (28 × 28, row-major).
fn blob_sizes(ink: &[bool]) -> Vec<usize> {
    let mut seen = vec![false; ink.len()];
    let mut sizes = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let (mut stack, mut size) = (vec![start], 0);
        while let Some(at) = stack.pop() {
            size += 1;
            let (r, c) = (at / SIDE, at % SIDE);
            for nr in r.saturating_sub(1)..=(r + 1).min(SIDE - 1) {
                for nc in c.saturating_sub(1)..=(c + 1).min(SIDE - 1) {
                    let next = nr * SIDE + nc;
                    if ink[next] && !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
        }
        sizes.push(size);
    }
    sizes
}

/// Whether every statistic lies in its range.
pub fn within(statistics: &[f32; STATISTICS], ranges: &Ranges) -> bool {
    statistics.iter().zip(ranges).all(|(s, (low, high))| s >= low && s <= high)
}

/// The shipped check: [`statistics`] within [`RANGES`].
pub fn is_mnist_like(image: &[f32]) -> bool {
    within(&statistics(image), &RANGES)
}

/// Fits the ranges on real digits seen in several `views` (each a list of per-image statistics,
/// e.g. grey and binarised): returns the tail share and the ranges, as the module doc says.
pub fn fit_ranges(views: &[Vec<[f32; STATISTICS]>]) -> (f32, Ranges) {
    // Each view's values per statistic, sorted once.
    let sorted: Vec<Vec<Vec<f32>>> = views
        .iter()
        .map(|view| {
            (0..STATISTICS)
                .map(|k| {
                    let mut values: Vec<f32> = view.iter().map(|s| s[k]).collect();
                    values.sort_by(f32::total_cmp);
                    values
                })
                .collect()
        })
        .collect();
    // Nearest-rank quantile.
    let quantile = |values: &[f32], q: f32| values[((values.len() - 1) as f32 * q).round() as usize];
    let ranges_at = |tail: f32| -> Ranges {
        std::array::from_fn(|k| {
            let low = sorted.iter().map(|view| quantile(&view[k], tail)).fold(f32::INFINITY, f32::min);
            let high =
                sorted.iter().map(|view| quantile(&view[k], 1.0 - tail)).fold(f32::NEG_INFINITY, f32::max);
            (low, high)
        })
    };
    let total: usize = views.iter().map(Vec::len).sum();
    let steps = (MAX_TAIL / TAIL_STEP).round() as usize;
    for step in (0..=steps).rev() {
        let tail = step as f32 * TAIL_STEP;
        let ranges = ranges_at(tail);
        let kept = views.iter().flatten().filter(|s| within(s, &ranges)).count();
        if kept as f32 >= KEEP * total as f32 {
            return (tail, ranges);
        }
    }
    unreachable!("a tail of 0 spans every fitted digit")
}

/// What the judge makes of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DigitReading {
    /// The classifier's most probable digit, and its probability.
    pub label: usize,
    pub confidence: f32,
    pub mnist_like: bool,
}

impl DigitReading {
    /// Confident ([`READS_AS_DIGIT`]) and MNIST-like.
    pub fn reads_as_digit(&self) -> bool {
        self.confidence >= READS_AS_DIGIT && self.mnist_like
    }
}

/// A set of samples as the comparison table shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub images: Vec<DigitReading>,
    /// Shares of the samples: classifier-confident, MNIST-like, and both (read as a digit).
    pub confident_share: f32,
    pub mnist_like_share: f32,
    pub digit_share: f32,
    /// Samples read as a digit, per digit.
    pub histogram: [usize; CLASSES],
    /// Digits with at least `min_per_class` samples read as them.
    pub coverage: usize,
    /// The classifier's inception score over all samples (see `classifier::judge`).
    pub inception_score: f32,
    /// Share of all pixels between [`GREY_LOW`] and [`GREY_HIGH`]: the sharpness figure (blur
    /// raises it; binary samples have none).
    pub grey_share: f32,
}

/// Judges `[n, 784]` images from their pixels and the classifier's probabilities (`[n·10]`, as
/// read back from [`Classifier::probabilities`]); the page reads both back and calls this.
pub fn read(probabilities: &[f32], pixels: &[f32], min_per_class: usize) -> Reading {
    assert_eq!(probabilities.len() / CLASSES, pixels.len() / PIXELS, "probabilities for every image");
    let images: Vec<DigitReading> = probabilities
        .chunks_exact(CLASSES)
        .zip(pixels.chunks_exact(PIXELS))
        .map(|(row, image)| {
            let (label, confidence) = top_class(row);
            DigitReading { label, confidence, mnist_like: is_mnist_like(image) }
        })
        .collect();
    let n = images.len().max(1) as f32;
    let share = |keep: &dyn Fn(&DigitReading) -> bool| images.iter().filter(|r| keep(r)).count() as f32 / n;
    let mut histogram = [0; CLASSES];
    images.iter().filter(|r| r.reads_as_digit()).for_each(|r| histogram[r.label] += 1);
    let grey = pixels.iter().filter(|&&v| v > GREY_LOW && v < GREY_HIGH).count();
    // The classifier's own figures (confident share, inception score) come from its judge.
    let classifier = judge(probabilities, READS_AS_DIGIT, min_per_class);
    Reading {
        confident_share: classifier.confident_share,
        mnist_like_share: share(&|r| r.mnist_like),
        digit_share: share(&|r| r.reads_as_digit()),
        coverage: histogram.iter().filter(|&&c| c >= min_per_class.max(1)).count(),
        inception_score: classifier.inception_score,
        grey_share: grey as f32 / pixels.len().max(1) as f32,
        histogram,
        images,
    }
}

/// Reads back `[n, 784]` images in [0, 1] and the classifier's view of them, and judges them
/// (native and tests; the page reads back asynchronously and calls [`read`]).
pub fn read_images(classifier: &Classifier, images: Tensor<2>, min_per_class: usize) -> Reading {
    let probabilities: Vec<f32> =
        classifier.probabilities(images.clone()).into_data().iter::<f32>().collect();
    let pixels: Vec<f32> = images.into_data().iter::<f32>().collect();
    read(&probabilities, &pixels, min_per_class)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 28 × 28 image with ink on the given (row, column) rectangles.
    fn drawn(rects: &[(usize, usize, usize, usize)]) -> Vec<f32> {
        let mut image = vec![0.0; PIXELS];
        for &(r0, c0, r1, c1) in rects {
            (r0..r1).for_each(|r| (c0..c1).for_each(|c| image[r * SIDE + c] = 1.0));
        }
        image
    }

    #[test]
    fn statistics_of_drawn_shapes() {
        // A bar 20 tall and 3 wide: 60 ink pixels, one blob, a full box.
        let bar = statistics(&drawn(&[(4, 12, 24, 15)]));
        assert_eq!(bar, [60.0 / 784.0, 0.0, 1.0, 20.0, 3.0, 1.0]);
        // Two bars touching only at a corner are one 8-connected blob; apart, the larger is 2/3.
        assert_eq!(statistics(&drawn(&[(4, 4, 8, 8), (8, 8, 12, 12)]))[2], 1.0);
        assert_eq!(statistics(&drawn(&[(4, 4, 8, 8), (4, 20, 6, 24)]))[2], 16.0 / 24.0);
        // Empty: no ink, no box, no blob; not MNIST-like.
        assert_eq!(statistics(&[0.0; PIXELS]), [0.0; STATISTICS]);
        assert!(!is_mnist_like(&[0.0; PIXELS]));
        // Grey counts strictly inside (0.2, 0.8).
        assert_eq!(statistics(&[0.5; PIXELS])[1], 1.0);
        assert_eq!(statistics(&[0.8; PIXELS])[1], 0.0);
    }

    #[test]
    fn a_reading_counts_digits_that_are_confident_and_mnist_like() {
        let one_hot = |class: usize, p: f32| -> Vec<f32> {
            (0..CLASSES).map(|c| if c == class { p } else { (1.0 - p) / 9.0 }).collect()
        };
        let digit_like = drawn(&[(4, 12, 24, 15), (4, 9, 6, 15)]);
        let blotch = drawn(&[(0, 0, 28, 28)]);
        let probabilities: Vec<f32> = [one_hot(1, 0.99), one_hot(1, 0.5), one_hot(7, 0.99)].concat();
        let pixels: Vec<f32> = [digit_like.clone(), digit_like, blotch].concat();
        let reading = read(&probabilities, &pixels, 1);
        assert_eq!(
            reading.images.iter().map(DigitReading::reads_as_digit).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert_eq!((reading.coverage, reading.histogram[1], reading.histogram[7]), (1, 1, 0));
        assert!((reading.confident_share - 2.0 / 3.0).abs() < 1e-6);
        assert!((reading.mnist_like_share - 2.0 / 3.0).abs() < 1e-6);
        assert!((reading.digit_share - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(reading.grey_share, 0.0);
    }
}
