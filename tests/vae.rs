//! Native VAE tests: the KL term against its closed form, the code-noise switch, training raises
//! the bound, the shipped models' test figures, the interpolation strips' ends, and the VAE
//! against the plain AE of the same shape as the shipped classifier reads their decodings.
//!
//! Test bounds binarise each test digit stochastically (a pixel is on with probability its grey
//! level) with the fixed seed `BOUND_SEED`, one code sample per digit, as `train_vae` prints.
//! Fresh weights come from burn's CPU RNG, which is process-wide: tests that draw them hold `RNG`.
// Native only: their figures go through latent_lab::figures, which the wasm build leaves out.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Mutex;

use burn::tensor::{Device, Tensor};
use latent_lab::data::mnist::Mnist;
use latent_lab::figures::figure;
use latent_lab::models::classifier::{Classifier, ClassifierConfig};
use latent_lab::models::gan::fixed_noise;
use latent_lab::models::vae::{
    interpolate, reconstruction_nats, test_bound, LossFigures, Posterior, Vae, VaeConfig, VaeTraining,
    VaeTrainingConfig, BOUND_SEED,
};
use latent_lab::weights;

static RNG: Mutex<()> = Mutex::new(());

/// Test ELBO bars, nats per image; measured with the shipped (f16) weights: vae10 −98.54,
/// vae2 −138.57.
const VAE10_ELBO_BAR: f32 = -100.0;
const VAE2_ELBO_BAR: f32 = -141.0;
/// The plain AE's reconstruction term with code = mean, nats per image: measured 72.68.
const AE10_RECONSTRUCTION_BAR: f32 = 75.0;
/// Strips' ends: squared error per image (summed over 784 pixels in [0, 1]) against the input,
/// over all 4,595 pairs: measured 9.41 (VAE) and 8.90 (AE); every end nearer its own input.
const END_ERROR_BAR: f32 = 10.0;
const NEARER_SHARE: f32 = 0.99;
/// Frames of a strip (ends included); the middle frames are those at 1/3 ≤ t ≤ 2/3.
const FRAMES: usize = 10;
/// The classifier's mean confidence on the middle frames over all 4,595 pairs: measured VAE
/// 0.8807, AE 0.8769; paired difference +0.0038 (standard error 0.0013), the VAE ahead on 2,397
/// pairs. The VAE's paths read as digits slightly more often; the 10-D AE's straight paths
/// between encoded digits mostly read as digits too, so the gap is small (the large one is
/// between the prior's samples, below).
const MIDDLE_CONFIDENCE_BAR: f32 = 0.82;
/// Decodings of codes drawn from N(0, I), the classifier's mean confidence: measured VAE 0.872,
/// AE 0.521 (1000 codes). The VAE's code space is filled where the prior puts its mass.
const PRIOR_VAE_BAR: f32 = 0.83;
const PRIOR_MARGIN: f32 = 0.25;

fn load<M: burn::module::Module>(fresh: impl FnOnce() -> M, file: &str) -> M {
    let model = RNG.lock().map(|_| fresh()).unwrap();
    weights::load_file(model, format!("www/weights/{file}")).unwrap()
}

fn vae(config: VaeConfig, file: &str, device: &Device) -> Vae {
    load(|| config.init(device), file)
}

fn classifier(device: &Device) -> Classifier {
    load(|| ClassifierConfig::shipped().init(device), "classifier.bpk")
}

fn test_set() -> Mnist {
    Mnist::load("www/data/mnist_test.bin.gz").unwrap()
}

fn values(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

#[test]
fn the_kl_term_equals_its_closed_form() {
    let device = Device::flex();
    let mean = [[0.5f32, -1.0, 0.0], [2.0, 0.0, 0.3]];
    let log_variance = [[0.0f32, -1.0, 2.0], [0.7, 1.5, -3.0]];
    let posterior = Posterior {
        mean: Tensor::from_data(mean, &device),
        log_variance: Tensor::from_data(log_variance, &device),
    };
    let kl = values(posterior.kl());
    for (row, got) in kl.iter().enumerate() {
        let expected: f64 = (0..3)
            .map(|d| {
                let (m, s) = (mean[row][d] as f64, log_variance[row][d] as f64);
                0.5 * (s.exp() + m * m - 1.0 - s)
            })
            .sum();
        assert!((*got as f64 - expected).abs() < 1e-5, "row {row}: KL {got}, closed form {expected}");
    }
    // At the prior the term vanishes.
    let prior =
        Posterior { mean: Tensor::zeros([2, 3], &device), log_variance: Tensor::zeros([2, 3], &device) };
    assert_eq!(values(prior.kl()), [0.0, 0.0]);
}

#[test]
fn without_noise_the_code_and_the_loss_use_the_mean() {
    let device = Device::flex();
    let model = vae(VaeConfig::shipped_10d(), "vae10.bpk", &device);
    let images = test_set().batch(&(0..8).collect::<Vec<_>>(), &device);
    let posterior = model.encode(images.clone());
    let mean = values(posterior.mean.clone());
    assert_eq!(values(posterior.code(None)), mean);
    let sampled = values(posterior.code(Some(fixed_noise(1, 8, model.code_size(), &device))));
    let moved = sampled.iter().zip(&mean).filter(|(s, m)| s != m).count();
    assert_eq!(moved, mean.len(), "every sampled coordinate moves off the mean");
    // The loss's reconstruction term decodes the mean without noise, and μ + σ·ε with noise ε:
    // each equals the term computed here by hand from that code.
    let figure =
        |noise| LossFigures::read(model.loss_terms(images.clone(), noise).packed(1.0)).reconstruction;
    let by_hand = |code: Tensor<2>| -> f32 {
        reconstruction_nats(model.decode_logits(code), images.clone()).mean().into_scalar()
    };
    let at_mean = by_hand(posterior.mean.clone());
    assert_eq!(figure(None), at_mean, "without noise the loss decodes the mean");
    let noise = |seed| fixed_noise(seed, 8, model.code_size(), &device);
    let sigma = (posterior.log_variance.clone() / 2.0).exp();
    let at_sample = by_hand(posterior.mean.clone() + sigma * noise(1));
    assert_eq!(figure(Some(noise(1))), at_sample, "with noise the loss decodes the sampled code");
    println!("reconstruction nats: at the mean {at_mean:.3}, at a sampled code {at_sample:.3}");
    assert_ne!(at_mean, at_sample);
    assert_ne!(figure(Some(noise(1))), figure(Some(noise(2))), "the loss depends on the draw");
}

#[test]
fn a_few_training_steps_raise_the_elbo() {
    let device = Device::flex();
    let test = test_set();
    let held_out = Mnist::from_parts(
        (0..500).flat_map(|i| test.image(i)).map(|v| (v * 255.0).round() as u8).collect(),
        (0..500).map(|i| test.label(i)).collect(),
    );
    let config = VaeTrainingConfig::new().with_seed(3);
    let mut training = RNG
        .lock()
        .map(|_| VaeTraining::from_scratch(&VaeConfig::new(vec![128], 10), config, &device))
        .unwrap();
    let bound =
        |model: &Vae| LossFigures::read(test_bound(model, &held_out, true, BOUND_SEED, &device)).elbo();
    let before = bound(&training.model());
    let train = Mnist::load("www/data/mnist_train_10k.bin.gz").unwrap();
    for _ in 0..100 {
        training.train_on(&train);
    }
    let after = bound(&training.model());
    // Measured −548 → −206.
    println!("ELBO on 500 test digits: {before:.1} → {after:.1} nats after 100 steps");
    assert!(after > before + 200.0, "ELBO {before} → {after}");
}

#[test]
fn shipped_models_reach_their_test_bars() {
    let device = Device::flex();
    let test = test_set();
    for (name, config, bar) in [
        ("vae10", VaeConfig::shipped_10d(), VAE10_ELBO_BAR),
        ("vae2", VaeConfig::shipped_2d(), VAE2_ELBO_BAR),
    ] {
        let model = vae(config, &format!("{name}.bpk"), &device);
        let bound = LossFigures::read(test_bound(&model, &test, true, BOUND_SEED, &device));
        println!(
            "{name}: test ELBO {:.2} nats per image (reconstruction {:.2}, KL {:.2}), stochastically binarised",
            bound.elbo(),
            bound.reconstruction,
            bound.kl
        );
        let command = "cargo test --release --test vae";
        let what = format!("{name}: test ELBO, nats per digit (binarised with a fixed seed)");
        figure(&format!("{name}.test_elbo"), &what, bound.elbo().into(), 2, command);
        figure(
            &format!("{name}.test_reconstruction"),
            &format!("{name}: its reconstruction term"),
            bound.reconstruction.into(),
            2,
            command,
        );
        figure(&format!("{name}.test_kl"), &format!("{name}: its KL term"), bound.kl.into(), 2, command);
        assert!(bound.elbo() > bar, "{name}: ELBO {} below {bar}", bound.elbo());
    }
    let ae = vae(VaeConfig::shipped_10d(), "ae10.bpk", &device);
    let reconstruction = LossFigures::read(test_bound(&ae, &test, false, BOUND_SEED, &device)).reconstruction;
    println!("ae10: test reconstruction {reconstruction:.2} nats per image (code = mean)");
    let what = "ae10 (plain AE, 10-D): test reconstruction, nats per digit (code = mean)";
    figure("ae10.test_reconstruction", what, reconstruction.into(), 2, "cargo test --release --test vae");
    assert!(reconstruction < AE10_RECONSTRUCTION_BAR, "ae10: reconstruction {reconstruction}");
}

/// Pairs of test digits of different classes, in order of the test set.
fn pairs(test: &Mnist, count: usize) -> Vec<(usize, usize)> {
    (0..test.len() / 2)
        .map(|k| (2 * k, 2 * k + 1))
        .filter(|&(a, b)| test.label(a) != test.label(b))
        .take(count)
        .collect()
}

/// Each pair's strip decoded by `model`: `[pairs · FRAMES, 784]`, pair by pair.
fn strips(model: &Vae, test: &Mnist, pairs: &[(usize, usize)], device: &Device) -> Tensor<2> {
    let a = model.encode(test.batch(&pairs.iter().map(|p| p.0).collect::<Vec<_>>(), device)).mean;
    let b = model.encode(test.batch(&pairs.iter().map(|p| p.1).collect::<Vec<_>>(), device)).mean;
    let paths = (0..pairs.len())
        .map(|k| interpolate(a.clone().narrow(0, k, 1), b.clone().narrow(0, k, 1), FRAMES))
        .collect();
    model.decode(Tensor::cat(paths, 0))
}

fn squared_error(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}

#[test]
fn strip_ends_reconstruct_their_inputs_and_middles_read_as_digits() {
    let device = Device::flex();
    let test = test_set();
    let classifier = classifier(&device);
    let pairs = pairs(&test, usize::MAX);
    let middle: Vec<usize> = (0..FRAMES)
        .filter(|&f| {
            let t = f as f32 / (FRAMES - 1) as f32;
            (1.0 / 3.0..=2.0 / 3.0).contains(&t)
        })
        .collect();
    let mut per_pair_middle = Vec::new();
    for (name, file) in [("VAE", "vae10.bpk"), ("AE", "ae10.bpk")] {
        let model = vae(VaeConfig::shipped_10d(), file, &device);
        let frames = strips(&model, &test, &pairs, &device);
        let confidence: Vec<f32> = values(classifier.probabilities(frames.clone()).max_dim(1));
        let pixels = values(frames);
        let frame = |pair: usize, f: usize| &pixels[(pair * FRAMES + f) * 784..][..784];
        let (mut end_error, mut nearer) = (0.0, 0);
        for (k, &(a, b)) in pairs.iter().enumerate() {
            let (input_a, input_b) = (test.image(a), test.image(b));
            let (first, last) = (frame(k, 0), frame(k, FRAMES - 1));
            end_error += squared_error(first, &input_a) + squared_error(last, &input_b);
            nearer += usize::from(squared_error(first, &input_a) < squared_error(first, &input_b))
                + usize::from(squared_error(last, &input_b) < squared_error(last, &input_a));
        }
        let end_error = end_error / (2 * pairs.len()) as f32;
        let middles: Vec<f64> = (0..pairs.len())
            .map(|k| {
                middle.iter().map(|&f| confidence[k * FRAMES + f] as f64).sum::<f64>() / middle.len() as f64
            })
            .collect();
        let middle_confidence = middles.iter().sum::<f64>() / middles.len() as f64;
        println!(
            "{name} strips over {} pairs of different digits: ends' squared error {end_error:.2} per image, \
             {nearer}/{} ends nearer their own input; classifier's mean confidence on the {} middle frames \
             (1/3 ≤ t ≤ 2/3) {middle_confidence:.4}",
            pairs.len(),
            2 * pairs.len(),
            middle.len()
        );
        assert!(end_error < END_ERROR_BAR, "{name}: ends' squared error {end_error}");
        assert!(
            nearer as f32 >= NEARER_SHARE * (2 * pairs.len()) as f32,
            "{name}: {nearer}/{} ends nearer their own input than the other",
            2 * pairs.len()
        );
        assert!(
            middle_confidence > MIDDLE_CONFIDENCE_BAR as f64,
            "{name}: middle-frame confidence {middle_confidence}"
        );
        per_pair_middle.push(middles);
    }
    // Paired: the same pairs through both models, so the difference's spread is the pairs' own.
    let differences: Vec<f64> =
        per_pair_middle[0].iter().zip(&per_pair_middle[1]).map(|(v, a)| v - a).collect();
    let n = differences.len() as f64;
    let mean = differences.iter().sum::<f64>() / n;
    let spread = (differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let standard_error = spread / n.sqrt();
    let vae_ahead = differences.iter().filter(|&&d| d > 0.0).count();
    println!(
        "middle frames, VAE − AE over {} pairs: {mean:+.4} (standard error {standard_error:.4}); \
         VAE more confident on {vae_ahead} pairs",
        differences.len()
    );
    assert!(mean > 0.0, "middle-frame confidence: VAE − AE = {mean}");
}

#[test]
fn prior_samples_read_as_digits_through_the_vae_not_the_ae() {
    let device = Device::flex();
    let classifier = classifier(&device);
    let codes = fixed_noise(3, 1000, 10, &device);
    let mut confidences = Vec::new();
    for (name, file) in [("VAE", "vae10.bpk"), ("AE", "ae10.bpk")] {
        let model = vae(VaeConfig::shipped_10d(), file, &device);
        let confidence = values(classifier.probabilities(model.decode(codes.clone())).max_dim(1));
        let mean = confidence.iter().sum::<f32>() / confidence.len() as f32;
        let sure = confidence.iter().filter(|&&c| c >= 0.9).count();
        println!("{name}: 1000 codes from N(0, I) decoded, classifier's mean confidence {mean:.3}, {sure} at ≥ 0.9");
        let what = format!("{name}: 1,000 codes from N(0, I) decoded, the classifier's mean confidence");
        figure(
            &format!("{}.prior_confidence", file.trim_end_matches(".bpk")),
            &what,
            mean.into(),
            3,
            "cargo test --release --test vae",
        );
        confidences.push(mean);
    }
    let [vae, ae] = confidences[..] else { unreachable!() };
    assert!(vae > PRIOR_VAE_BAR, "VAE prior samples' confidence {vae}");
    assert!(vae > ae + PRIOR_MARGIN, "prior samples' confidence: VAE {vae}, AE {ae}");
}

#[test]
fn shipped_weights_are_small() {
    for file in ["vae10.bpk", "vae2.bpk", "ae10.bpk"] {
        let size = std::fs::metadata(format!("www/weights/{file}")).unwrap().len();
        println!("{file}: {size} bytes");
        assert!(size < 2_500_000, "{file}: {size} bytes");
    }
}
