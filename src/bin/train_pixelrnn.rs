//! Trains the PixelRNN demo's shipped models on the 60k MNIST training set and writes their
//! weights (f16): the binary model (fresh stochastic binarisations), the 4-level model (pixels
//! as classes) and the regression model (grey value fitted with squared error).
//!
//! `cargo run --release --bin train_pixelrnn -- [--model binary|levels4|regression|all]
//! [--epochs N] [--lr X] [--batch B] [--seed S] [--state C] [--head W] [--steps N] [--data FILE]
//! [--out FILE]`
//!
//! Each epoch prints the mean training loss and the test loss over the 10k test digits (nats per
//! image; squared error per image for the regression model), the binary model's test digits
//! binarised stochastically with a fixed seed. With no flags it runs the shipped recipe: one epoch,
//! a full pass over the training digits for the binary model and 900 steps for the two grey
//! models (they only show the difference classes make). `--steps` sets an epoch's steps.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use latent_lab::data::mnist::Mnist;
use latent_lab::models::pixelrnn::{test_loss, PixelKind, PixelRnnConfig, PixelRnnTraining, PixelRnnTrainingConfig};
use latent_lab::models::vae::BOUND_SEED;
use latent_lab::weights;

const WEIGHTS_DIR: &str = "www/weights";
const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: train_pixelrnn [--model binary|levels4|regression|all] [--epochs N] [--lr X] \
                 [--batch B] [--seed S] [--state C] [--head W] [--steps N] [--data FILE] [--out FILE]";
    let mut which = "all".to_string();
    let mut epochs = 1usize;
    let mut training = PixelRnnTrainingConfig::new().with_seed(1);
    let mut state: Option<usize> = None;
    let mut head: Option<usize> = None;
    let mut steps: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--model" => which = value()?,
            "--epochs" => epochs = value()?.parse()?,
            "--lr" => training.learning_rate = value()?.parse()?,
            "--batch" => training.batch_size = value()?.parse()?,
            "--seed" => training.seed = value()?.parse()?,
            "--state" => state = Some(value()?.parse()?),
            "--head" => head = Some(value()?.parse()?),
            "--steps" => steps = Some(value()?.parse()?),
            "--data" => train_file = value()?.into(),
            "--out" => out = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}; {usage}").into()),
        }
    }
    let kinds: Vec<PixelKind> = match which.as_str() {
        "all" => vec![PixelKind::Binary, PixelKind::Levels(4), PixelKind::Regression],
        name => vec![name.parse()?],
    };
    if out.is_some() && kinds.len() > 1 {
        return Err("--out names one file: pick one --model".into());
    }

    let device = Device::flex();
    let train = Mnist::load(&train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    for kind in kinds {
        let name = kind.name();
        let mut model = PixelRnnConfig::shipped(kind);
        model.state = state.unwrap_or(model.state);
        model.head = head.unwrap_or(model.head);
        let steps_per_epoch = steps.unwrap_or_else(|| recipe_steps(kind, train.len() / training.batch_size));
        println!(
            "{name}: {model:?}, lr {}, {epochs} epochs of {steps_per_epoch} steps of {} from {} digits from {}",
            training.learning_rate,
            training.batch_size,
            train.len(),
            train_file.display()
        );
        let mut trainer = PixelRnnTraining::from_scratch(&model, training.clone(), &device);
        let mut train_seconds = 0.0;
        for epoch in 1..=epochs {
            let started = Instant::now();
            let mut sum = Tensor::<1>::zeros([1], &device);
            for step in 1..=steps_per_epoch {
                sum = sum + trainer.train_on(&train);
                if step % 200 == 0 {
                    let mean = sum.clone().into_scalar::<f32>() / step as f32;
                    println!("  step {step}/{steps_per_epoch}: train loss {mean:.2} ({:.1} s)", started.elapsed().as_secs_f64());
                }
            }
            let mean = sum.into_scalar::<f32>() / steps_per_epoch as f32;
            train_seconds += started.elapsed().as_secs_f64();
            let tested = test_loss(&trainer.model(), &test, BOUND_SEED, &device).into_scalar::<f32>();
            println!(
                "{name} epoch {epoch:>3}/{epochs}: train loss {mean:.2} | test {tested:.2} | {:.1} steps/s, {:.0} s",
                trainer.steps() as f64 / train_seconds,
                train_seconds
            );
        }
        let path = out.clone().unwrap_or_else(|| format!("{WEIGHTS_DIR}/pixelrnn-{name}.bpk").into());
        let (stored, bytes) = weights::ship(trainer.model(), model.init(&device), &path)?;
        println!(
            "wrote {} ({bytes} bytes); {:.0} s of training; with f16 weights, test {:.2}",
            path.display(),
            train_seconds,
            test_loss(&stored, &test, BOUND_SEED, &device).into_scalar::<f32>()
        );
    }
    Ok(())
}

/// Steps per epoch of the shipped recipe: a full pass (`full`) for the binary model, whose test
/// NLL is the demo's figure; fewer for the grey-level pair, trained alike so they compare.
fn recipe_steps(kind: PixelKind, full: usize) -> usize {
    match kind {
        PixelKind::Binary => full,
        PixelKind::Levels(_) | PixelKind::Regression => 900,
    }
}
