//! Trains the VAE lab's shipped models on the 60k MNIST training set and writes their weights
//! (f16): the 10-D VAE, the 2-D VAE and the plain AE of the 10-D shape (no code noise, β = 0).
//!
//! `cargo run --release --bin train_vae -- [--model vae10|vae2|ae10|all] [--epochs N] [--beta B]
//! [--lr X] [--seed S] [--hidden W,W] [--grey] [--data FILE] [--out FILE]`
//!
//! Each epoch prints the training loss terms (nats per image, on freshly binarised batches) and
//! the test bound on the 10k test digits, binarised stochastically with a fixed seed: the ELBO
//! for a VAE, the reconstruction term alone for the AE (a point posterior has no finite bound).
//! `--hidden` replaces the shipped hidden widths (to try others; the page loads the shipped shapes).
//! `--grey` trains on the grey levels as they are instead of fresh binarisations.
//! `--beta` weighs the VAEs' KL term (the AE's is always 0); `--out` names the file when one
//! model is trained (default `www/weights/<model>.bpk`).

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use latent_lab::data::mnist::Mnist;
use latent_lab::models::vae::{
    test_bound, LossFigures, Vae, VaeConfig, VaeTraining, VaeTrainingConfig, BOUND_SEED,
};
use latent_lab::weights;

const WEIGHTS_DIR: &str = "www/weights";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

struct Target {
    name: &'static str,
    model: VaeConfig,
    training: VaeTrainingConfig,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: train_vae [--model vae10|vae2|ae10|all] [--epochs N] [--beta B] [--lr X] [--seed S] \
                 [--hidden W,W] [--grey] [--data FILE] [--out FILE]";
    let mut which = "all".to_string();
    let mut epochs = 30usize;
    let mut beta = 1.0;
    let mut learning_rate = VaeTrainingConfig::new().learning_rate;
    let mut seed = 1u64;
    let mut hidden: Option<Vec<usize>> = None;
    let mut binarise = true;
    let mut out: Option<PathBuf> = None;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--model" => which = value()?,
            "--epochs" => epochs = value()?.parse()?,
            "--beta" => beta = value()?.parse()?,
            "--lr" => learning_rate = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--hidden" => hidden = Some(value()?.split(',').map(str::parse).collect::<Result<_, _>>()?),
            "--grey" => binarise = false,
            "--data" => train_file = value()?.into(),
            "--out" => out = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}; {usage}").into()),
        }
    }
    let vae = VaeTrainingConfig::new().with_beta(beta).with_learning_rate(learning_rate).with_seed(seed);
    let ae = VaeTrainingConfig::plain_autoencoder().with_learning_rate(learning_rate).with_seed(seed);
    let all = vec![
        Target { name: "vae10", model: VaeConfig::shipped_10d(), training: vae.clone() },
        Target { name: "vae2", model: VaeConfig::shipped_2d(), training: vae },
        Target { name: "ae10", model: VaeConfig::shipped_10d(), training: ae },
    ];
    let mut targets: Vec<Target> = match which.as_str() {
        "all" => all,
        name => all.into_iter().filter(|t| t.name == name).collect(),
    };
    targets.iter_mut().for_each(|t| t.training.binarise = binarise);
    if let Some(widths) = hidden {
        targets.iter_mut().for_each(|t| t.model.hidden = widths.clone());
    }
    if targets.is_empty() {
        return Err(format!("unknown model {which}; {usage}").into());
    }
    if out.is_some() && targets.len() > 1 {
        return Err("--out names one file: pick one --model".into());
    }

    let device = Device::flex();
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    for target in targets {
        let Target { name, model, training: config } = target;
        let steps_per_epoch = train.len() / config.batch_size;
        println!(
            "{name}: {model:?}, β {}, code noise {}, {epochs} epochs of {steps_per_epoch} steps on {} digits from {}",
            config.beta,
            if config.sample_code { "on" } else { "off" },
            train.len(),
            train_file.display()
        );
        let sample_code = config.sample_code;
        let mut training = VaeTraining::from_scratch(&model, config, &device);
        let mut train_seconds = 0.0;
        for epoch in 1..=epochs {
            let started = Instant::now();
            let mut sum = Tensor::<1>::zeros([3], &device);
            for _ in 0..steps_per_epoch {
                sum = sum + training.train_on(&train);
            }
            let figures = LossFigures::read(sum / steps_per_epoch as f64);
            train_seconds += started.elapsed().as_secs_f64();
            println!(
                "{name} epoch {epoch:>3}/{epochs}: train loss {:.2} (reconstruction {:.2}, KL {:.2}) | test {} | {:.0} steps/s, {:.0} s",
                figures.total,
                figures.reconstruction,
                figures.kl,
                describe(&training.model(), &test, sample_code, &device),
                training.steps() as f64 / train_seconds,
                train_seconds
            );
        }
        let path = out.clone().unwrap_or_else(|| format!("{WEIGHTS_DIR}/{name}.bpk").into());
        let (stored, bytes) = weights::ship(training.model(), model.init(&device), &path)?;
        println!(
            "wrote {} ({bytes} bytes); {:.0} s of training; with f16 weights, test {}",
            path.display(),
            train_seconds,
            describe(&stored, &test, sample_code, &device)
        );
    }
    Ok(())
}

/// The test figure of a model: its ELBO (a VAE), its reconstruction term (the AE).
fn describe(model: &Vae, test: &Mnist, sample_code: bool, device: &Device) -> String {
    let bound = LossFigures::read(test_bound(model, test, sample_code, BOUND_SEED, device));
    if sample_code {
        format!("ELBO {:.2} (reconstruction {:.2}, KL {:.2})", bound.elbo(), bound.reconstruction, bound.kl)
    } else {
        format!("reconstruction {:.2} nats (code = mean)", bound.reconstruction)
    }
}
