//! Trains the shipped one-hidden-layer auto-encoders of the auto-encoder variants page (plain,
//! denoising, contractive at three λ) on the 60k MNIST training set, writes
//! `www/weights/<variant>.bpk` (f16), and prints for each: test reconstruction error, mean test
//! Jacobian norm, and how far the code moves when the test digits are nudged.
//! `cargo run --release --bin train_cae -- [--epochs N] [--data FILE] [--only STEM] [--try-lambda L]
//! [--report]` (with no flags: the shipped recipe; `--try-lambda` trains one contractive AE at
//! λ = L and reports it without writing anything, for choosing the shipped λ; `--report` only
//! measures the shipped files).

#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::{images_tensor, Mnist};
use latent_lab::data::noise::Corruption;
use latent_lab::models::autoencoder::{mean_error, per_image_error};
use latent_lab::models::contractive::{
    mean_code_shift, mean_jacobian_norm, shipped_variants, ContractiveConfig, ContractiveTraining,
    ContractiveTrainingConfig, Nudge, ShallowAutoencoder, Variant,
};
use latent_lab::models::seeded;
use latent_lab::weights;

const WEIGHTS_DIR: &str = "www/weights";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";
const DEFAULT_EPOCHS: usize = 30;
const BATCH_SIZE: usize = 64;
/// Every variant starts from the same weights and sees the same batches: they differ only in λ
/// and in the noise on their inputs.
const SEED: u64 = 50;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut epochs = DEFAULT_EPOCHS;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut only: Option<String> = None;
    let mut try_lambda: Option<f64> = None;
    let mut report_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--epochs" => epochs = args.next().ok_or("--epochs needs a number")?.parse()?,
            "--data" => train_file = args.next().ok_or("--data needs a file")?.into(),
            "--only" => only = Some(args.next().ok_or("--only needs a variant's stem")?),
            "--try-lambda" => try_lambda = Some(args.next().ok_or("--try-lambda needs a number")?.parse()?),
            "--report" => report_only = true,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: train_cae [--epochs N] [--data FILE] [--only STEM] [--try-lambda L] [--report]"
                )
                .into())
            }
        }
    }
    let device = Device::flex();
    let test = Mnist::load(TEST_FILE)?;
    if report_only {
        for variant in &shipped_variants() {
            let path = format!("{WEIGHTS_DIR}/{}.bpk", variant.name);
            report(
                variant,
                &weights::load_file(ContractiveConfig::new().init(&device), &path)?,
                &test,
                &device,
            );
        }
        return Ok(());
    }
    let train = Mnist::load(&train_file)?;
    println!("training on {} images from {}, {epochs} epochs each", train.len(), train_file.display());

    if let Some(lambda) = try_lambda {
        let variant = Variant { name: "cae-try", label: "trial", lambda, corruption: Corruption::None };
        let model = train_variant(&variant, epochs, &train, &test, &device);
        report(&variant, &model, &test, &device);
        return Ok(());
    }
    if let Some(stem) = only.as_deref().filter(|s| !shipped_variants().iter().any(|v| v.name == *s)) {
        return Err(format!("--only {stem}: not a shipped variant").into());
    }
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    for variant in &shipped_variants() {
        if only.as_deref().is_some_and(|stem| stem != variant.name) {
            continue;
        }
        let started = Instant::now();
        let trained = train_variant(variant, epochs, &train, &test, &device);
        let path = format!("{WEIGHTS_DIR}/{}.bpk", variant.name);
        let (shipped, bytes) = weights::ship(trained, ContractiveConfig::new().init(&device), &path)?;
        println!(
            "wrote {path} ({bytes} bytes) after {:.0} s; figures of the f16 weights:",
            started.elapsed().as_secs_f64()
        );
        report(variant, &shipped, &test, &device);
    }
    Ok(())
}

/// Adam with a cosine learning-rate decay to 0 over `epochs` passes; prints the mean training
/// loss terms and the test error each epoch.
fn train_variant(
    variant: &Variant,
    epochs: usize,
    train: &Mnist,
    test: &Mnist,
    device: &Device,
) -> ShallowAutoencoder {
    let config = ContractiveTrainingConfig::new()
        .with_batch_size(BATCH_SIZE)
        .with_lambda(variant.lambda)
        .with_corruption(variant.corruption)
        .with_seed(SEED);
    let base_rate = config.learning_rate;
    let start = seeded(SEED, |d| ContractiveConfig::new().init(d));
    let mut training = ContractiveTraining::new(start, config, device);
    let steps_per_epoch = train.len() / BATCH_SIZE;
    let started = Instant::now();
    for epoch in 0..epochs {
        let progress = epoch as f64 / epochs as f64;
        training.set_learning_rate(base_rate * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let mut totals = [0.0f32; 3];
        for _ in 0..steps_per_epoch {
            let terms: Vec<f32> =
                training.step_terms(train).into_data().try_to_vec().expect("f32 loss terms");
            totals.iter_mut().zip(terms).for_each(|(t, v)| *t += v);
        }
        let [total, nats, penalty] = totals.map(|t| t / steps_per_epoch as f32);
        let current = training.model();
        println!(
            "{} epoch {}/{epochs}: loss {total:.2} = {nats:.2} nats + {penalty:.2} penalty; test error {:.3} ({:.0} s)",
            variant.name,
            epoch + 1,
            mean_error(test, device, |x| current.forward(x)),
            started.elapsed().as_secs_f64()
        );
    }
    training.model()
}

/// The figures the page and the closing note quote, over the whole test set. A denoising
/// variant is also judged on its own task: test digits under its training noise, clean targets.
fn report(variant: &Variant, model: &ShallowAutoencoder, test: &Mnist, device: &Device) {
    let shifts: Vec<String> = Nudge::ALL
        .iter()
        .map(|&kind| format!("{} {:.3}", kind.name(), mean_code_shift(model, test, kind, device)))
        .collect();
    println!(
        "{} ({}): test error {:.3} per image (squared, summed over pixels), mean Jacobian norm {:.3}, mean code shift: {}",
        variant.name,
        variant.label,
        mean_error(test, device, |x| model.forward(x)),
        mean_jacobian_norm(model, test, device),
        shifts.join(", ")
    );
    if variant.corruption != Corruption::None {
        let [noisy, denoised] = noisy_errors(model, variant.corruption, test, device);
        println!(
            "{}: on noisy test digits ({:?}): error of the input {noisy:.3}, of the output {denoised:.3}",
            variant.name, variant.corruption
        );
    }
}

/// Mean squared error per image of the corrupted test digits and of `model`'s output from them,
/// both against the clean digits (the noise seeded by each chunk's start).
fn noisy_errors(
    model: &ShallowAutoencoder,
    corruption: Corruption,
    test: &Mnist,
    device: &Device,
) -> [f32; 2] {
    let all: Vec<usize> = (0..test.len()).collect();
    let mut totals = [0.0f64; 2];
    for indices in all.chunks(500) {
        let clean = test.batch_values(indices);
        let mut noisy = clean.clone();
        corruption.apply(&mut noisy, indices[0] as u64);
        let (clean, noisy) = (images_tensor(clean, device), images_tensor(noisy, device));
        for (total, output) in totals.iter_mut().zip([noisy.clone(), model.forward(noisy)]) {
            *total += f64::from(per_image_error(output, clean.clone()).sum().into_scalar::<f32>());
        }
    }
    totals.map(|t| (t / test.len() as f64) as f32)
}
