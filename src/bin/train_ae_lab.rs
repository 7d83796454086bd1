//! Trains the auto-encoder lab's models on the 60k MNIST training set and writes the files the
//! page loads: the deep AE (784-1000-500-250-30), the 2-D AEs with and without an L2 penalty on
//! the code, and PCA's first 200 components.
//! `cargo run --release --bin train_ae_lab -- [deep|2d|pca|all] [--epochs N] [--data FILE]`.

// Native only (PCA's fit uses nalgebra); `wasm-pack test` builds every binary for wasm too.
#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::autoencoder::{mean_error, Autoencoder, AutoencoderConfig, AutoencoderTraining, TrainingConfig};
use latent_lab::models::pca::SHIPPED_COMPONENTS as PCA_COMPONENTS;
use latent_lab::models::{pca, seeded};
use latent_lab::weights;

const WEIGHTS_DIR: &str = "www/weights";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";
/// The L2 penalty on the 2-D code of `ae2d-l2`: it brings the codes' RMS norm to about 1, so
/// they fill the region where N(0, I) draws fall (0.05 left it at 2.5, no more digits near 0).
const CODE_PENALTY: f64 = 0.5;
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut which = "all".to_string();
    let mut epochs: Option<usize> = None;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--epochs" => epochs = Some(args.next().ok_or("--epochs needs a number")?.parse()?),
            "--data" => train_file = args.next().ok_or("--data needs a file")?.into(),
            "deep" | "2d" | "pca" | "all" => which = arg,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: train_ae_lab [deep|2d|pca|all] [--epochs N] [--data FILE]"
                )
                .into())
            }
        }
    }
    let device = Device::flex();
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    println!("training on {} images from {}", train.len(), train_file.display());

    if which == "pca" || which == "all" {
        let started = Instant::now();
        let all: Vec<usize> = (0..train.len()).collect();
        let fitted = pca::fit(train.batch(&all, &device), PCA_COMPONENTS);
        let path = format!("{WEIGHTS_DIR}/pca.bpk");
        let (shipped, bytes) = weights::ship(fitted, pca::Pca::zeros(PCA_COMPONENTS, 784, &device), &path)?;
        println!("wrote {path} ({bytes} bytes) in {:.1} s", started.elapsed().as_secs_f64());
        for k in [2, 30, 100, PCA_COMPONENTS] {
            println!("PCA-{k}: test error {:.2} per image", mean_error(&test, &device, |x| shipped.reconstruct(x, k)));
        }
    }
    if which == "deep" || which == "all" {
        // Each digit moved by up to a pixel: without it the net learns the training digits by
        // heart (after 100 epochs: 2.17 on training digits, 3.99 on test digits).
        let config = TrainingConfig::new().with_batch_size(128).with_cross_entropy(true).with_seed(31).with_jitter(1);
        let start = seeded(31, |d| AutoencoderConfig::deep().init(d));
        train_one("deep-ae", AutoencoderConfig::deep(), start, config, epochs.unwrap_or(100), &train, &test, &device)?;
    }
    if which == "2d" || which == "all" {
        let plain = TrainingConfig::new().with_batch_size(128).with_cross_entropy(true).with_seed(32);
        let start = seeded(32, |d| AutoencoderConfig::map_2d().init(d));
        train_one("ae2d", AutoencoderConfig::map_2d(), start, plain.clone(), epochs.unwrap_or(20), &train, &test, &device)?;
        let penalised = plain.with_seed(33).with_code_penalty(CODE_PENALTY);
        let start = seeded(33, |d| AutoencoderConfig::map_2d().init(d));
        train_one("ae2d-l2", AutoencoderConfig::map_2d(), start, penalised, epochs.unwrap_or(20), &train, &test, &device)?;
    }
    Ok(())
}

/// Adam with a cosine learning-rate decay to 0 over `epochs` passes; prints the test error each
/// epoch and writes `<name>.bpk` (f16), reporting the shipped weights' test error.
fn train_one(
    name: &str,
    model: AutoencoderConfig,
    start: Autoencoder,
    config: TrainingConfig,
    epochs: usize,
    train: &Mnist,
    test: &Mnist,
    device: &Device,
) -> Result<Autoencoder, Box<dyn std::error::Error>> {
    let base_rate = config.learning_rate;
    let steps_per_epoch = train.len() / config.batch_size;
    let mut training = AutoencoderTraining::new(start, config, device);
    let started = Instant::now();
    for epoch in 0..epochs {
        let progress = epoch as f64 / epochs as f64;
        training.set_learning_rate(base_rate * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let mut total = 0.0;
        for _ in 0..steps_per_epoch {
            total += training.step(train).into_scalar::<f32>();
        }
        let current = training.model();
        println!(
            "{name} epoch {}/{epochs}: train loss {:.2}, test error {:.3} ({:.0} s)",
            epoch + 1,
            total / steps_per_epoch as f32,
            mean_error(test, device, |x| current.forward(x)),
            started.elapsed().as_secs_f64()
        );
    }
    let path = format!("{WEIGHTS_DIR}/{name}.bpk");
    let (shipped, bytes) = weights::ship(training.model(), model.init(device), &path)?;
    println!(
        "wrote {path} ({bytes} bytes): test error {:.3} per image after f16 rounding, {:.0} s of training",
        mean_error(test, device, |x| shipped.forward(x)),
        started.elapsed().as_secs_f64()
    );
    Ok(shipped)
}
