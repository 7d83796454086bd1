//! Trains the shipped auto-encoders on the 60k MNIST training set and writes the weight files the
//! page loads: `cargo run --release --bin train -- [ae|dae|all] [--epochs N] [--data FILE]`.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::data::noise::Corruption;
use latent_lab::models::autoencoder::{
    measure_quality, AutoencoderConfig, AutoencoderTraining, TrainingConfig, DAE_TRAINING_CORRUPTION,
};
use latent_lab::weights;

const WEIGHTS_DIR: &str = "www/weights";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut which = "all".to_string();
    let mut epochs = 30usize; // the shipped AE and DAE's recipe
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--epochs" => epochs = args.next().ok_or("--epochs needs a number")?.parse()?,
            "--data" => train_file = args.next().ok_or("--data needs a file")?.into(),
            "ae" | "dae" | "all" => which = arg,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: train [ae|dae|all] [--epochs N] [--data FILE]"
                )
                .into())
            }
        }
    }
    let device = Device::flex();
    device.seed(2026);
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    println!("training on {} images from {}, {epochs} epochs", train.len(), train_file.display());

    let config = AutoencoderConfig::shipped();
    let targets: Vec<(&str, Corruption)> = match which.as_str() {
        "ae" => vec![("ae", Corruption::None)],
        "dae" => vec![("dae", DAE_TRAINING_CORRUPTION)],
        _ => vec![("ae", Corruption::None), ("dae", DAE_TRAINING_CORRUPTION)],
    };
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    for (name, corruption) in targets {
        let training_config = TrainingConfig::new().with_corruption(corruption).with_seed(7);
        let batch = training_config.batch_size;
        let mut training = AutoencoderTraining::new(config.init(&device), training_config, &device);
        let steps_per_epoch = train.len() / batch;
        let started = Instant::now();
        for epoch in 1..=epochs {
            let mut total = 0.0;
            for _ in 0..steps_per_epoch {
                total += training.step(&train).into_scalar::<f32>();
            }
            println!(
                "{name} epoch {epoch}/{epochs}: train loss {:.2} ({:.0} steps/s)",
                total / steps_per_epoch as f32,
                training.steps() as f64 / started.elapsed().as_secs_f64()
            );
        }
        let path = format!("{WEIGHTS_DIR}/{name}.bpk");
        std::fs::write(&path, weights::to_bytes(training.model()))?;
        println!("wrote {path}");
    }

    let ae = weights::load_file(config.init(&device), format!("{WEIGHTS_DIR}/ae.bpk"))?;
    let dae = weights::load_file(config.init(&device), format!("{WEIGHTS_DIR}/dae.bpk"))?;
    let quality = measure_quality(&ae, &dae, &test, &device);
    println!("test set ({} images): AE error {:.2} per image", test.len(), quality.ae_error);
    for (name, noisy, denoised) in &quality.dae_psnr {
        println!("DAE on {name}: PSNR {noisy:.2} dB → {denoised:.2} dB (gain {:.2} dB)", denoised - noisy);
    }
    Ok(())
}
