//! Trains the shipped MNIST classifier (the GAN demo's judge) on the 60k training set and writes
//! `www/weights/classifier.bpk`: `cargo run --release --bin train_classifier -- [--epochs N]
//! [--data FILE]`.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::classifier::{
    accuracy, ClassifierConfig, ClassifierTraining, ClassifierTrainingConfig,
};
use latent_lab::weights;

/// The learning rate is multiplied by this after each epoch.
const LR_DECAY: f64 = 0.7;
const OUT: &str = "www/weights/classifier.bpk";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut epochs = 6usize;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--epochs" => epochs = args.next().ok_or("--epochs needs a number")?.parse()?,
            "--data" => train_file = args.next().ok_or("--data needs a file")?.into(),
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: train_classifier [--epochs N] [--data FILE]"
                )
                .into())
            }
        }
    }
    let device = Device::flex();
    device.seed(2026);
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    let config = ClassifierTrainingConfig::new().with_seed(11);
    let base_rate = config.learning_rate;
    let mut training = ClassifierTraining::new(ClassifierConfig::shipped().init(&device), config, &device);
    let started = Instant::now();
    for epoch in 0..epochs {
        training.set_learning_rate(base_rate * LR_DECAY.powi(epoch as i32));
        let loss = training.epoch(&train);
        println!(
            "epoch {}/{epochs}: train loss {loss:.4}, test accuracy {:.2} % ({:.0} s)",
            epoch + 1,
            100.0 * accuracy(&training.model(), &test, &device),
            started.elapsed().as_secs_f64()
        );
    }
    std::fs::write(OUT, weights::to_bytes(training.model()))?;
    let shipped = weights::load_file(ClassifierConfig::shipped().init(&device), OUT)?;
    println!(
        "wrote {OUT}: test accuracy {:.2} % after f16 rounding",
        100.0 * accuracy(&shipped, &test, &device)
    );
    Ok(())
}
