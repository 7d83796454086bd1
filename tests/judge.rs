//! The judge of generated digits (`models::likeness`): its ranges match a fresh fit on real test
//! digits; it keeps real digits it was not fitted on, rejects noise and rejects scribbles (many of
//! which the classifier reads as confident digits); and the shipped binary PixelRNN's paintings
//! under it: at the page's defaults, of a chosen digit, and the temperature sweep behind the
//! default.
//!
//! Real digits come in two views, as they are and binarised stochastically with `BOUND_SEED` (the
//! binary PixelRNN's test set). Scribbles are drawn with seeded random numbers, so every figure
//! here repeats exactly.

use std::f32::consts::TAU;

use burn::tensor::{Device, Tensor};
use latent_lab::data::mnist::{images_tensor, Mnist, PIXELS, SIDE};
use latent_lab::models::classifier::{Classifier, ClassifierConfig, READS_AS_DIGIT};
use latent_lab::models::likeness::{
    fit_ranges, is_mnist_like, read_images, statistics, Reading, FITTED_TAIL, FIT_DIGITS, NAMES, RANGES,
    STATISTICS,
};
use latent_lab::models::pixelrnn::{PixelKind, PixelRnnConfig, PixelSampler};
use latent_lab::models::vae::BOUND_SEED;
use latent_lab::weights;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const TRAIN_FILE: &str = "www/data/mnist_train_10k.bin.gz";

/// Share of real digits the check must keep, on digits it was not fitted on. Measured: 98.9 %
/// of the held-out 5000 test digits as they are, 99.4 % binarised; 99.0 % / 99.5 % of the 10k
/// training subset (fitted to keep 99 % of the fitting digits).
const REAL_KEPT_BAR: f32 = 0.98;
/// Noise is rejected outright: measured 100 % of 1000 uniform and 1000 binarised noise images.
const NOISE_REJECTED_BAR: f32 = 0.999;
/// Share of all 4000 scribbles (eight families of 500) rejected. Measured 48.9 %: as drawn on
/// the canvas 54–91 % per family; MNIST-normalised (fitted to 20 pixels and centred like a digit)
/// 62 % of separated blobs but only 6–21 % of strokes, tangles and line segments, whose single
/// connected strokes these statistics cannot tell from handwriting. The bar leaves 4 points.
const SCRIBBLES_REJECTED_BAR: f32 = 0.45;
/// Scribbles per family.
const SCRIBBLES: usize = 500;

fn values(images: &Mnist) -> Vec<f32> {
    images.batch_values(&(0..images.len()).collect::<Vec<_>>())
}

fn binarised(values: &[f32], seed: u64) -> Vec<f32> {
    let mut values = values.to_vec();
    PixelKind::Binary.prepare(&mut values, &mut SmallRng::seed_from_u64(seed));
    values
}

fn statistics_of(values: &[f32]) -> Vec<[f32; STATISTICS]> {
    values.chunks_exact(PIXELS).map(statistics).collect()
}

fn share(images: &[f32], keep: impl Fn(&[f32]) -> bool) -> f32 {
    let kept = images.chunks_exact(PIXELS).filter(|image| keep(image)).count();
    kept as f32 / (images.len() / PIXELS) as f32
}

/// Per statistic, the share of `images` outside its range (which statistics do the rejecting).
fn rejections(images: &[f32]) -> String {
    let stats = statistics_of(images);
    (0..STATISTICS)
        .map(|k| {
            let out = stats.iter().filter(|s| s[k] < RANGES[k].0 || s[k] > RANGES[k].1).count();
            format!("{} {:.1} %", NAMES[k], 100.0 * out as f32 / stats.len() as f32)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn classifier(device: &Device) -> Classifier {
    weights::load_file(ClassifierConfig::shipped().init(device), "www/weights/classifier.bpk")
        .expect("shipped classifier")
}

/// The most probable class's probability for each image.
fn confidences(classifier: &Classifier, images: &[f32], device: &Device) -> Vec<f32> {
    let probabilities: Vec<f32> =
        classifier.probabilities(images_tensor(images.to_vec(), device)).into_data().iter::<f32>().collect();
    probabilities.chunks_exact(10).map(|row| row.iter().copied().fold(0.0, f32::max)).collect()
}

#[test]
fn committed_ranges_match_a_fresh_fit_on_the_first_test_digits() {
    let test = Mnist::load(TEST_FILE).expect("test digits");
    let grey = values(&test.first(FIT_DIGITS));
    let views = [statistics_of(&grey), statistics_of(&binarised(&grey, BOUND_SEED))];
    let (tail, ranges) = fit_ranges(&views);
    println!("fitted on the first {FIT_DIGITS} test digits, as they are and binarised: tail {tail}");
    println!("pub const RANGES: Ranges = [");
    for ((low, high), name) in ranges.iter().zip(NAMES) {
        println!("    ({low:?}, {high:?}), // {name}");
    }
    println!("];\npub const FITTED_TAIL: f32 = {tail:?};");
    assert_eq!((tail, ranges), (FITTED_TAIL, RANGES), "the committed ranges have drifted from the fit");
}

#[test]
fn the_check_keeps_real_digits_it_was_not_fitted_on() {
    let test = values(&Mnist::load(TEST_FILE).expect("test digits"));
    let train = values(&Mnist::load(TRAIN_FILE).expect("training digits"));
    // One binarisation of the whole test set, as the PixelRNN's test NLL draws it.
    let test_binary = binarised(&test, BOUND_SEED);
    let held_out = FIT_DIGITS * PIXELS..test.len();
    let sets = [
        ("held-out test digits", test[held_out.clone()].to_vec()),
        ("held-out test digits, binarised", test_binary[held_out].to_vec()),
        ("10k training digits", train.clone()),
        ("10k training digits, binarised", binarised(&train, BOUND_SEED)),
    ];
    for (name, images) in sets {
        let kept = share(&images, is_mnist_like);
        println!("{name}: {:.1} % MNIST-like (rejected by {})", 100.0 * kept, rejections(&images));
        assert!(kept >= REAL_KEPT_BAR, "{name}: only {:.1} % kept", 100.0 * kept);
    }
}

#[test]
fn the_check_rejects_noise() {
    let mut rng = SmallRng::seed_from_u64(1);
    let uniform: Vec<f32> = (0..1000 * PIXELS).map(|_| rng.random::<f32>()).collect();
    let binary = binarised(&uniform, 2);
    for (name, images) in [("uniform noise", uniform), ("binarised noise", binary)] {
        let rejected = 1.0 - share(&images, is_mnist_like);
        println!("{name}: {:.1} % rejected", 100.0 * rejected);
        assert!(rejected >= NOISE_REJECTED_BAR, "{name}: only {:.1} % rejected", 100.0 * rejected);
    }
}

/// A drawing: polylines (single points for discs) in continuous (row, column) pixel coordinates,
/// each with a stroke radius.
type Drawing = Vec<(Vec<(f32, f32)>, f32)>;

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dr, dc) = (b.0 - a.0, b.1 - a.1);
    let length2 = dr * dr + dc * dc;
    let t =
        if length2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dr + (p.1 - a.1) * dc) / length2).clamp(0.0, 1.0) };
    (p.0 - a.0 - t * dr).hypot(p.1 - a.1 - t * dc)
}

/// Rasterises with soft edges (a pen of the stroke's radius, one pixel of falloff), shifted by
/// `shift` pixels.
fn rasterise(drawing: &Drawing, shift: (f32, f32)) -> Vec<f32> {
    (0..PIXELS)
        .map(|i| {
            let p = ((i / SIDE) as f32 + 0.5 - shift.0, (i % SIDE) as f32 + 0.5 - shift.1);
            drawing
                .iter()
                .map(|(line, radius)| {
                    let distance = match line.as_slice() {
                        [point] => segment_distance(p, *point, *point),
                        _ => {
                            line.windows(2).map(|w| segment_distance(p, w[0], w[1])).fold(f32::MAX, f32::min)
                        }
                    };
                    (radius + 0.5 - distance).clamp(0.0, 1.0)
                })
                .fold(0.0, f32::max)
        })
        .collect()
}

/// MNIST's own normalisation: the drawing's larger side scaled to 20 pixels, then its centre of
/// mass moved to the middle, so only shape can tell it from a digit.
fn mnist_normalised(mut drawing: Drawing) -> Vec<f32> {
    let extent = |pick: fn((f32, f32)) -> f32| {
        drawing
            .iter()
            .flat_map(|(line, r)| line.iter().flat_map(move |&p| [pick(p) - r, pick(p) + r]))
            .fold((f32::MAX, f32::MIN), |(low, high), v| (low.min(v), high.max(v)))
    };
    let ((r0, r1), (c0, c1)) = (extent(|p| p.0), extent(|p| p.1));
    let scale = 20.0 / (r1 - r0).max(c1 - c0);
    for (line, radius) in drawing.iter_mut() {
        line.iter_mut().for_each(|p| *p = ((p.0 - r0) * scale, (p.1 - c0) * scale));
        *radius *= scale.clamp(0.6, 1.0);
    }
    let image = rasterise(&drawing, (0.0, 0.0));
    let mass: f32 = image.iter().sum::<f32>().max(1e-6);
    let centre = |coordinate: fn(usize) -> usize| {
        image.iter().enumerate().map(|(i, v)| (coordinate(i) as f32 + 0.5) * v).sum::<f32>() / mass
    };
    let (row, col) = (centre(|i| i / SIDE), centre(|i| i % SIDE));
    rasterise(&drawing, ((14.0 - row).round(), (14.0 - col).round()))
}

/// A pen that turns by up to ±0.8 rad per unit step: `steps` from 15 to 40 make a stroke, from
/// 60 to 120 a tangle.
fn random_walk(rng: &mut SmallRng, steps: std::ops::Range<usize>, start: (f32, f32)) -> Drawing {
    let mut heading = rng.random_range(0.0..TAU);
    let mut at = start;
    let mut line = vec![at];
    for _ in 0..rng.random_range(steps) {
        heading += rng.random_range(-0.8..0.8);
        at = (at.0 + heading.sin(), at.1 + heading.cos());
        line.push(at);
    }
    vec![(line, rng.random_range(1.0..1.6))]
}

/// 3 to 6 straight segments with ends anywhere in `within`.
fn random_segments(rng: &mut SmallRng, within: std::ops::Range<f32>) -> Drawing {
    let radius = rng.random_range(1.0..1.6);
    let point = |rng: &mut SmallRng| (rng.random_range(within.clone()), rng.random_range(within.clone()));
    (0..rng.random_range(3..7)).map(|_| (vec![point(rng), point(rng)], radius)).collect()
}

/// 3 to 5 discs (radius 1.5 to 3.5) at least two pixels apart, centres in `within`.
fn separated_blobs(rng: &mut SmallRng, within: std::ops::Range<f32>) -> Drawing {
    let count = rng.random_range(3..6);
    let mut discs: Vec<((f32, f32), f32)> = Vec::new();
    while discs.len() < count {
        let centre = (rng.random_range(within.clone()), rng.random_range(within.clone()));
        let radius = rng.random_range(1.5..3.5);
        if discs.iter().all(|&(c, r)| (c.0 - centre.0).hypot(c.1 - centre.1) > r + radius + 2.0) {
            discs.push((centre, radius));
        }
    }
    discs.into_iter().map(|(c, r)| (vec![c], r)).collect()
}

/// Scribble families, each drawn as it falls on the canvas and MNIST-normalised.
fn scribbles(rng: &mut SmallRng) -> Vec<(String, Vec<f32>)> {
    type Draw = fn(&mut SmallRng, (f32, f32)) -> Drawing;
    let families: [(&str, Draw); 4] = [
        ("random-walk strokes", |rng, start| random_walk(rng, 15..41, start)),
        ("random-walk tangles", |rng, start| random_walk(rng, 60..121, start)),
        ("random line segments", |rng, _| random_segments(rng, 2.0..26.0)),
        ("separated blobs", |rng, _| separated_blobs(rng, 4.0..24.0)),
    ];
    let mut sets = Vec::new();
    for (name, draw) in families {
        let mut as_drawn = Vec::new();
        let mut normalised = Vec::new();
        for _ in 0..SCRIBBLES {
            let start = (rng.random_range(6.0..22.0), rng.random_range(6.0..22.0));
            let drawing = draw(rng, start);
            as_drawn.extend(rasterise(&drawing, (0.0, 0.0)));
            normalised.extend(mnist_normalised(drawing));
        }
        sets.push((format!("{name}, as drawn"), as_drawn));
        sets.push((format!("{name}, MNIST-normalised"), normalised));
    }
    sets
}

#[test]
fn the_check_rejects_scribbles_the_classifier_reads_as_digits() {
    let device = Device::flex();
    let classifier = classifier(&device);
    let sets = scribbles(&mut SmallRng::seed_from_u64(3));
    let mut all = Vec::new();
    for (name, images) in &sets {
        let confident: Vec<bool> =
            confidences(&classifier, images, &device).into_iter().map(|c| c >= READS_AS_DIGIT).collect();
        let like: Vec<bool> = images.chunks_exact(PIXELS).map(is_mnist_like).collect();
        let n = like.len() as f32;
        let misread = confident.iter().filter(|&&c| c).count();
        let caught = confident.iter().zip(&like).filter(|(&c, &l)| c && !l).count();
        println!(
            "{name}: {:.1} % rejected; the classifier reads {:.1} % as confident digits, the check rejects {:.1} % \
             of those (by {})",
            100.0 * like.iter().filter(|&&l| !l).count() as f32 / n,
            100.0 * misread as f32 / n,
            100.0 * caught as f32 / misread.max(1) as f32,
            rejections(images)
        );
        all.extend(confident.into_iter().zip(like));
    }
    let n = all.len() as f32;
    let rejected = all.iter().filter(|(_, l)| !l).count() as f32 / n;
    let read_as_digits = all.iter().filter(|(c, l)| *c && *l).count() as f32 / n;
    let confident = all.iter().filter(|(c, _)| *c).count() as f32 / n;
    println!(
        "all scribbles: {:.1} % rejected; confident {:.1} % → read as digits {:.1} %",
        100.0 * rejected,
        100.0 * confident,
        100.0 * read_as_digits
    );
    assert!(rejected >= SCRIBBLES_REJECTED_BAR, "only {:.1} % of scribbles rejected", 100.0 * rejected);
}

/// Seeds of the default-settings figures: the page's default seed is 1 and it paints one seed per
/// painting, so 100 paintings at the defaults are seeds 1 to 100.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=100;
/// The page's default temperature (`pixel-temperature` in www/demos/pixelrnn.js), chosen from
/// [`TEMPERATURES`] by what each gives (printed by the sweep below; docs/figures.md has the table):
/// with the step-10,000 weights 0.8 reads 62 % of 100 paintings as digits against 59 % at 1.0 and
/// 60 % at 0.9, all 10 digits covered at each; 0.7 reads 50 % and its inception score falls to 6.00
/// (7.03 at 0.8, 7.63 at 1.0): colder paintings stop early and repeat the same few shapes.
const DEFAULT_TEMPERATURE: f64 = 0.8;
/// The sweep: lower temperatures sharpen each pixel's choice, trading variety for clean strokes.
const TEMPERATURES: [f64; 4] = [1.0, 0.9, 0.8, 0.7];
/// Of 100 paintings at the defaults ("any digit"), the share read as a digit (confidence ≥ 0.9
/// and MNIST-like). Measured with the shipped weights: see docs/figures.md's PixelRNN table (the
/// issue's goal is 0.80; the bar sits under the measurement: 62 % with the step-10,000 weights,
/// 40 % with the step-2,000 ones).
const ANY_DIGIT_BAR: f32 = 0.55;
/// Of 100 paintings of a chosen digit (10 seeds per digit), the share read as that digit.
/// Measured: 58 % with the step-10,000 weights, 29 % with the step-2,000 ones (docs/figures.md;
/// the goal 0.90).
const CHOSEN_DIGIT_BAR: f32 = 0.50;

type PixelRnn = latent_lab::models::pixelrnn::PixelRnn;

fn shipped_binary_pixelrnn(device: &Device) -> PixelRnn {
    weights::load_file(
        PixelRnnConfig::shipped(PixelKind::Binary).init(device),
        "www/weights/pixelrnn-binary.bpk",
    )
    .expect("shipped binary PixelRNN")
}

/// Paints one image per seed, of the chosen labels or (`None`) any digit: `[n, 784]`.
fn paint(
    model: &PixelRnn,
    seeds: &[u64],
    labels: Option<&[usize]>,
    temperature: f64,
    device: &Device,
) -> Tensor<2> {
    PixelSampler::new(model.clone(), seeds, labels, temperature, device).paint_all()
}

/// A 10 × 10 grid of 28 × 28 images with 2-pixel grey gutters, as a binary PGM.
fn pgm_grid(images: &[f32]) -> Vec<u8> {
    const CELL: usize = SIDE + 2;
    let side = 10 * CELL + 2;
    let mut pixels = vec![64u8; side * side];
    for (k, image) in images.chunks_exact(PIXELS).enumerate().take(100) {
        let (top, left) = (2 + (k / 10) * CELL, 2 + (k % 10) * CELL);
        for (i, &v) in image.iter().enumerate() {
            pixels[(top + i / SIDE) * side + left + i % SIDE] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    }
    [format!("P5 {side} {side} 255\n").into_bytes(), pixels].concat()
}

fn describe(reading: &Reading) -> String {
    format!(
        "confident {:.0} %, MNIST-like {:.0} %, both (read as a digit) {:.0} %; digits covered {} \
         (≥ 1 each), histogram {:?}; inception score {:.2}; grey share {:.3}",
        100.0 * reading.confident_share,
        100.0 * reading.mnist_like_share,
        100.0 * reading.digit_share,
        reading.coverage,
        reading.histogram,
        reading.inception_score,
        reading.grey_share
    )
}

/// At the page's defaults (any digit, seeds 1–100, the default temperature) the shipped binary
/// PixelRNN's paintings read as digits, every digit among them; the same seeds read the same.
/// Writes the grid as a PGM to the temp directory (`convert` makes `docs/pixelrnn-after.png`).
#[test]
fn shipped_binary_pixelrnn_paints_digits_at_the_default_settings() {
    let device = Device::flex();
    let classifier = classifier(&device);
    let model = shipped_binary_pixelrnn(&device);
    let seeds: Vec<u64> = SEEDS.collect();
    let images = paint(&model, &seeds, None, DEFAULT_TEMPERATURE, &device);
    let pixels: Vec<f32> = images.clone().into_data().iter::<f32>().collect();
    let reading = read_images(&classifier, images, 1);
    println!(
        "binary PixelRNN, any digit, seeds {SEEDS:?}, temperature {DEFAULT_TEMPERATURE}: {}",
        describe(&reading)
    );
    let read_as_digits = reading.images.iter().filter(|r| r.reads_as_digit()).count();
    assert_eq!(reading.histogram.iter().sum::<usize>(), read_as_digits);
    assert_eq!(reading.grey_share, 0.0, "a binary model paints no grey");
    let again = read_images(&classifier, paint(&model, &seeds, None, DEFAULT_TEMPERATURE, &device), 1);
    assert_eq!(again, reading, "the same seeds read differently");
    let path = std::env::temp_dir().join(format!("pixelrnn-any-t{DEFAULT_TEMPERATURE}.pgm"));
    std::fs::write(&path, pgm_grid(&pixels)).expect("write the grid");
    println!("  grid: {}", path.display());
    assert!(
        reading.digit_share >= ANY_DIGIT_BAR,
        "{:.0} % read as digits, under the bar",
        100.0 * reading.digit_share
    );
    assert_eq!(reading.coverage, 10, "every digit among 100 paintings");
}

/// Ten paintings of each chosen digit (seeds 1–10) read as that digit: confident, MNIST-like and
/// of that label. Writes the grid (a row per digit) as a PGM.
#[test]
fn shipped_binary_pixelrnn_paints_the_chosen_digit() {
    let device = Device::flex();
    let classifier = classifier(&device);
    let model = shipped_binary_pixelrnn(&device);
    let labels: Vec<usize> = (0..100).map(|k| k / 10).collect();
    let seeds: Vec<u64> = (0..100).map(|k| 1 + k % 10).collect();
    let images = paint(&model, &seeds, Some(&labels), DEFAULT_TEMPERATURE, &device);
    let pixels: Vec<f32> = images.clone().into_data().iter::<f32>().collect();
    let reading = read_images(&classifier, images, 1);
    let as_chosen: Vec<usize> = (0..10)
        .map(|digit| {
            (0..10)
                .filter(|k| {
                    reading.images[digit * 10 + k].reads_as_digit()
                        && reading.images[digit * 10 + k].label == digit
                })
                .count()
        })
        .collect();
    let share = as_chosen.iter().sum::<usize>() as f32 / 100.0;
    println!(
        "binary PixelRNN, each digit chosen 10 times, temperature {DEFAULT_TEMPERATURE}: {:.0} % read as the chosen digit; per digit {as_chosen:?}",
        100.0 * share
    );
    let path = std::env::temp_dir().join(format!("pixelrnn-chosen-t{DEFAULT_TEMPERATURE}.pgm"));
    std::fs::write(&path, pgm_grid(&pixels)).expect("write the grid");
    println!("  grid: {}", path.display());
    assert!(share >= CHOSEN_DIGIT_BAR, "{:.0} % read as the chosen digit, under the bar", 100.0 * share);
}

/// The temperature sweep behind the default: each temperature's reading of the 100 default-seed
/// paintings (printed for docs/figures.md); the default reads as digits within 5 points of the best.
#[test]
fn the_default_temperature_is_the_sweeps_choice() {
    let device = Device::flex();
    let classifier = classifier(&device);
    let model = shipped_binary_pixelrnn(&device);
    let seeds: Vec<u64> = SEEDS.collect();
    let readings: Vec<(f64, Reading)> = TEMPERATURES
        .iter()
        .map(|&t| (t, read_images(&classifier, paint(&model, &seeds, None, t, &device), 1)))
        .collect();
    for (t, reading) in &readings {
        println!("temperature {t}: {}", describe(reading));
    }
    let best = readings.iter().map(|(_, r)| r.digit_share).fold(0.0, f32::max);
    let default = &readings.iter().find(|(t, _)| *t == DEFAULT_TEMPERATURE).expect("the default is swept").1;
    assert!(
        default.digit_share >= best - 0.05,
        "the default reads {:.2}, the best {best:.2}",
        default.digit_share
    );
}
