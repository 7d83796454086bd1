//! Trains the convolutional auto-encoder with its three decoders (max-unpooling with switches,
//! repeat-unpooling, transposed convolution) jointly on the 60k MNIST training set, writes
//! `www/weights/conv-ae.bpk` (f16) and prints each decoder's test error.
//! `cargo run --release --bin train_conv_ae -- [--epochs N] [--data FILE] [--time-steps N]`;
//! the run with no flags is the shipped recipe. `--time-steps N` only times N steps and exits.

#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::autoencoder::mean_error;
use latent_lab::models::conv_autoencoder::{
    ConvAutoencoder, ConvAutoencoderConfig, ConvAutoencoderTraining, ConvTrainingConfig, DECODERS,
};
use latent_lab::models::seeded;
use latent_lab::weights;

const WEIGHTS_FILE: &str = "www/weights/conv-ae.bpk";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";
const SEED: u64 = 41;
const DEFAULT_EPOCHS: usize = 7;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut epochs = DEFAULT_EPOCHS;
    let mut time_steps: Option<usize> = None;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--epochs" => epochs = args.next().ok_or("--epochs needs a number")?.parse()?,
            "--data" => train_file = args.next().ok_or("--data needs a file")?.into(),
            "--time-steps" => time_steps = Some(args.next().ok_or("--time-steps needs a number")?.parse()?),
            other => {
                return Err(format!(
                "unknown argument {other}; usage: train_conv_ae [--epochs N] [--data FILE] [--time-steps N]"
            )
                .into())
            }
        }
    }
    let device = Device::flex();
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    let model_config = ConvAutoencoderConfig::new();
    let config = ConvTrainingConfig::new().with_seed(SEED);
    let start = seeded(SEED, |d| model_config.init(d));
    println!(
        "{} parameters; training on {} images from {}",
        start.num_params(),
        train.len(),
        train_file.display()
    );
    let base_rate = config.learning_rate;
    let steps_per_epoch = train.len() / config.batch_size;
    let mut training = ConvAutoencoderTraining::new(start, config, &device);
    let started = Instant::now();

    if let Some(steps) = time_steps {
        let mut total = 0.0;
        for _ in 0..steps {
            total += training.step(&train).into_scalar::<f32>();
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{steps} steps in {seconds:.1} s ({:.1} ms/step, an epoch of {steps_per_epoch} steps ≈ {:.0} s); mean summed loss {:.2}",
            1e3 * seconds / steps as f64,
            seconds / steps as f64 * steps_per_epoch as f64,
            total / steps as f32
        );
        return Ok(());
    }

    for epoch in 0..epochs {
        // Cosine decay of Adam's rate to 0 over the run.
        let progress = epoch as f64 / epochs as f64;
        training.set_learning_rate(base_rate * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let mut total = 0.0;
        for _ in 0..steps_per_epoch {
            total += training.step(&train).into_scalar::<f32>();
        }
        println!(
            "epoch {}/{epochs}: mean summed train loss {:.2} ({:.0} s)",
            epoch + 1,
            total / steps_per_epoch as f32,
            started.elapsed().as_secs_f64()
        );
    }
    let trained_for = started.elapsed().as_secs_f64();
    let (shipped, bytes) = weights::ship(training.model(), model_config.init(&device), WEIGHTS_FILE)?;
    println!("wrote {WEIGHTS_FILE} ({bytes} bytes), {trained_for:.0} s of training");
    report_test_errors(&shipped, &test, &device);
    Ok(())
}

/// Each decoder's test error: squared error summed over 784 pixels, mean per image.
#[cfg(not(target_arch = "wasm32"))]
fn report_test_errors(model: &ConvAutoencoder, test: &Mnist, device: &Device) {
    for (i, name) in DECODERS.iter().enumerate() {
        let error = mean_error(test, device, |x| model.reconstruct(x)[i].clone());
        println!("{name}: test error {error:.3} per image (f16 weights, {} test digits)", test.len());
    }
}
