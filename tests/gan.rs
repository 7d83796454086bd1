//! Native GAN tests: the 1-D GAN learns one Gaussian; the shipped classifier reaches its bar; the
//! shipped GAN checkpoint's samples cover the digits; the page's live settings give digits after
//! `LIVE_ITERATIONS` iterations (the count the page reached in two minutes when measured; no time
//! is checked here).
//!
//! Weights are drawn from burn's CPU RNG, which is process-wide: tests that draw them hold
//! `RNG` so a seed means the same start whatever runs beside them.
// Native only: their figures go through latent_lab::figures, which the wasm build leaves out.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Mutex;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::figures::figure;
use latent_lab::models::classifier::{accuracy, judge_images, Classifier, ClassifierConfig};
use latent_lab::models::gan::{
    fixed_noise, to_unit_pixels, GanConfig, GanTraining, GanTrainingConfig, DIGITS, LIVE_ITERATIONS,
};
use latent_lab::models::gan1d::{mode_collapse_preset, Gan1dConfig, Gan1dTraining, Picture, RealData};
use latent_lab::weights;

static RNG: Mutex<()> = Mutex::new(());

/// Iterations of the 1-D test, and its tolerances on G's mean and standard deviation. Measured
/// with the defaults on N(3, 1), seeds 0–7, after 3000 iterations: means 2.79–3.09, standard
/// deviations 0.88–1.07 (1.3 s each, release, 2 cores); the bars leave some room for the GAN's
/// swings (at 2500 iterations the standard deviations spanned 0.80–1.24).
const ITERATIONS_1D: usize = 3000;
const MEAN_TOLERANCE: f32 = 0.3;
const STD_TOLERANCE: f32 = 0.3;

/// Test accuracy of the shipped classifier: measured 98.78 %.
const CLASSIFIER_ACCURACY_BAR: f32 = 0.985;

/// Digits the shipped GAN's samples must cover (DIGITS' rule: ≥ 2 confident samples each).
const SHIPPED_COVERAGE_BAR: usize = 9;

fn classifier(device: &Device) -> Classifier {
    let model = RNG.lock().map(|_| ClassifierConfig::shipped().init(device)).unwrap();
    weights::load_file(model, "www/weights/classifier.bpk").unwrap()
}

#[test]
fn gan_1d_learns_one_gaussian() {
    let device = Device::flex();
    let data = RealData::Gaussian { mean: 3.0, std: 1.0 };
    let config = GanTrainingConfig::one_dimensional().with_seed(0);
    let mut training = RNG
        .lock()
        .map(|_| Gan1dTraining::from_scratch(&Gan1dConfig::new(), data.clone(), config, &device))
        .unwrap();
    let (mean0, _) = training.generator_stats(2000);
    for _ in 0..ITERATIONS_1D {
        training.iteration();
    }
    let (mean, std) = training.generator_stats(2000);
    println!(
        "1-D GAN on N(3, 1): G's mean {mean0:.3} → {mean:.3}, std {std:.3} after {ITERATIONS_1D} iterations"
    );
    let (data_mean, data_std) = data.mean_std();
    assert!((mean - data_mean).abs() < MEAN_TOLERANCE, "G's mean {mean}");
    assert!((std - data_std).abs() < STD_TOLERANCE, "G's std {std}");
}

#[test]
fn mode_collapse_preset_collapses_onto_one_gaussian() {
    let device = Device::flex();
    let (data, config) = mode_collapse_preset();
    let mut training =
        RNG.lock().map(|_| Gan1dTraining::from_scratch(&Gan1dConfig::new(), data, config, &device)).unwrap();
    for _ in 0..2000 {
        training.iteration();
    }
    // Two bins, split at 0 between the modes at ±3.
    let grid = [-6.0, 0.0, 6.0];
    let values: Vec<f32> = training.view(&grid, 1000).into_data().iter::<f32>().collect();
    let density = Picture::from_view(&values, &grid, 2).generator_density;
    let (left, right) = (density[0] * 6.0, density[1] * 6.0);
    println!(
        "mode-collapse preset after 2000 iterations: {:.0} % of G's samples left, {:.0} % right",
        100.0 * left,
        100.0 * right
    );
    assert!(left.min(right) < 0.05, "G covers both modes: {left} / {right}");
}

#[test]
fn shipped_classifier_reaches_its_accuracy() {
    let device = Device::flex();
    let test = Mnist::load("www/data/mnist_test.bin.gz").unwrap();
    let accuracy = accuracy(&classifier(&device), &test, &device);
    println!("shipped classifier: {:.2} % on the 10k test set", 100.0 * accuracy);
    let what = "classifier (the judge): accuracy on the 10k test digits, %";
    figure(
        "classifier.test_accuracy",
        what,
        100.0 * f64::from(accuracy),
        2,
        "cargo test --release --test gan",
    );
    assert!(accuracy >= CLASSIFIER_ACCURACY_BAR, "accuracy {accuracy}");
}

#[test]
fn shipped_gan_covers_the_digits() {
    let device = Device::flex();
    let model = GanConfig::live();
    let gan = RNG.lock().map(|_| model.init(&device)).unwrap();
    let gan = weights::load_file(gan, "www/weights/gan.bpk").unwrap();
    let classifier = classifier(&device);
    let z = fixed_noise(DIGITS.noise_seed, DIGITS.samples, model.latent(), &device);
    let samples = to_unit_pixels(gan.generator.forward(z));
    let judged = judge_images(&classifier, samples, DIGITS.confidence, DIGITS.min_per_class);
    let test = Mnist::load("www/data/mnist_test.bin.gz").unwrap();
    let indices: Vec<usize> = (0..DIGITS.samples).collect();
    let real =
        judge_images(&classifier, test.batch(&indices, &device), DIGITS.confidence, DIGITS.min_per_class);
    for (name, j) in [("shipped GAN", &judged), ("real test digits", &real)] {
        println!(
            "{name}, {} samples: confident {:.0} %, coverage {}/10, IS {:.2}, histogram {:?}",
            DIGITS.samples,
            100.0 * j.confident_share,
            j.coverage,
            j.inception_score,
            j.histogram
        );
    }
    let command = "cargo test --release --test gan";
    for (key, name, j) in [
        ("gan", "shipped GAN, 100 samples of the fixed noise", &judged),
        ("real", "the first 100 real test digits", &real),
    ] {
        let what = format!("{name}: share read with ≥ 90 % confidence, %");
        figure(&format!("{key}.confident_share"), &what, 100.0 * f64::from(j.confident_share), 0, command);
        figure(
            &format!("{key}.coverage"),
            &format!("{name}: digits covered (of 10)"),
            j.coverage as f64,
            0,
            command,
        );
        figure(
            &format!("{key}.inception_score"),
            &format!("{name}: inception score (classifier)"),
            j.inception_score.into(),
            2,
            command,
        );
    }
    assert!(judged.coverage >= SHIPPED_COVERAGE_BAR, "{judged:?}");
    assert!(DIGITS.met_by(&judged), "{judged:?}");
}

/// The page's default model and settings, trained from scratch natively for `LIVE_ITERATIONS`
/// iterations, give digits by the classifier's reading. That count is what the page reached in
/// two minutes when `scripts/lab bench gan` last measured it (see its definition); this test
/// checks the digits at that count, not the page's speed: the native time is printed for the
/// record only.
#[test]
fn live_settings_give_digits_after_live_iterations() {
    let device = Device::flex();
    let train = Mnist::load("www/data/mnist_train_10k.bin.gz").unwrap();
    let classifier = classifier(&device);
    let model = GanConfig::live();
    let mut training =
        RNG.lock().map(|_| GanTraining::from_scratch(&model, GanTrainingConfig::live(), &device)).unwrap();
    let started = Instant::now();
    for _ in 0..LIVE_ITERATIONS {
        training.train_on(&train);
    }
    let seconds = started.elapsed().as_secs_f64();
    let z = fixed_noise(DIGITS.noise_seed, DIGITS.samples, model.latent(), &device);
    let samples = to_unit_pixels(training.samples(z));
    let judged = judge_images(&classifier, samples, DIGITS.confidence, DIGITS.min_per_class);
    println!(
        "live settings, {LIVE_ITERATIONS} iterations in {seconds:.1} s ({:.0} it/s): confident {:.0} %, coverage {}/10, IS {:.2}",
        LIVE_ITERATIONS as f64 / seconds,
        100.0 * judged.confident_share,
        judged.coverage,
        judged.inception_score
    );
    assert!(DIGITS.met_by(&judged), "{judged:?}");
}
