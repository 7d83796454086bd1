//! Trains the PixelRNN demo's shipped models on the 60k MNIST training set and writes their
//! weights (f16): the binary model (fresh stochastic binarisations, labelled, two residual Row
//! LSTM layers), the 4-level model (pixels as classes) and the regression model (grey value
//! fitted with squared error), the last two one layer each.
//!
//! `cargo run --release --bin train_pixelrnn -- [--model binary|levels4|regression|all]
//! [--steps N] [--lr X] [--half-life N] [--batch B] [--seed S] [--state C] [--head W] [--layers L]
//! [--labelled true|false] [--checkpoint DIR] [--every-minutes M] [--resume] [--test-digits N]
//! [--final-test-digits N] [--data FILE] [--out FILE]`
//!
//! Resumable: every `--every-minutes` (default 5) the run writes a checkpoint into
//! `--checkpoint` (default `checkpoints/pixelrnn-<model>/`, ignored by git) — weights at full
//! precision, Adam's state, the step count and both configs. `--resume` continues from it to
//! `--steps` as if the run had never stopped (the configs come from the checkpoint; a stopped run
//! loses at most the minutes since its last checkpoint). Every 1,000 steps it prints the mean
//! training loss and the test NLL of the first `--test-digits` (default 500) test digits; at the
//! end, the test NLL of the f16 weights it writes over the first `--final-test-digits` (default all
//! 10k). The binary model's
//! test digits are binarised stochastically with a fixed seed; a labelled model's NLL is the
//! mixture's, −log ⅒ Σ_y p(x | y). With no flags it runs the shipped recipe (see `recipe`).

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
/// Steps between progress lines (and test figures).
const REPORT_EVERY: usize = 1000;

/// The shipped recipe of each model: (steps, training settings).
fn recipe(kind: PixelKind) -> (usize, PixelRnnTrainingConfig) {
    let training = PixelRnnTrainingConfig::new().with_seed(1);
    match kind {
        // See the README for how long this takes and what each stretch gave.
        PixelKind::Binary => (10_000, training.with_batch_size(32).with_half_life(5_000)),
        // The grey-level pair only shows the difference classes make: 900 steps each.
        PixelKind::Levels(_) | PixelKind::Regression => (900, training),
    }
}

struct Options {
    which: String,
    steps: Option<usize>,
    learning_rate: Option<f64>,
    half_life: Option<usize>,
    batch: Option<usize>,
    seed: Option<u64>,
    state: Option<usize>,
    head: Option<usize>,
    layers: Option<usize>,
    labelled: Option<bool>,
    checkpoint: Option<PathBuf>,
    every_minutes: f64,
    resume: bool,
    test_digits: usize,
    final_test_digits: usize,
    train_file: PathBuf,
    out: Option<PathBuf>,
}

fn options() -> Result<Options, Box<dyn std::error::Error>> {
    let usage = "usage: train_pixelrnn [--model binary|levels4|regression|all] [--steps N] [--lr X] \
                 [--half-life N] [--batch B] [--seed S] [--state C] [--head W] [--layers L] \
                 [--labelled true|false] [--checkpoint DIR] [--every-minutes M] [--resume] \
                 [--test-digits N] [--final-test-digits N] [--data FILE] [--out FILE]";
    let mut o = Options {
        which: "all".into(),
        steps: None,
        learning_rate: None,
        half_life: None,
        batch: None,
        seed: None,
        state: None,
        head: None,
        layers: None,
        labelled: None,
        checkpoint: None,
        every_minutes: 5.0,
        resume: false,
        test_digits: 500,
        final_test_digits: 10_000,
        train_file: DEFAULT_TRAIN_FILE.into(),
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--model" => o.which = value()?,
            "--steps" => o.steps = Some(value()?.parse()?),
            "--lr" => o.learning_rate = Some(value()?.parse()?),
            "--half-life" => o.half_life = Some(value()?.parse()?),
            "--batch" => o.batch = Some(value()?.parse()?),
            "--seed" => o.seed = Some(value()?.parse()?),
            "--state" => o.state = Some(value()?.parse()?),
            "--head" => o.head = Some(value()?.parse()?),
            "--layers" => o.layers = Some(value()?.parse()?),
            "--labelled" => o.labelled = Some(value()?.parse()?),
            "--checkpoint" => o.checkpoint = Some(value()?.into()),
            "--every-minutes" => o.every_minutes = value()?.parse()?,
            "--resume" => o.resume = true,
            "--test-digits" => o.test_digits = value()?.parse()?,
            "--final-test-digits" => o.final_test_digits = value()?.parse()?,
            "--data" => o.train_file = value()?.into(),
            "--out" => o.out = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}; {usage}").into()),
        }
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let kinds: Vec<PixelKind> = match o.which.as_str() {
        "all" => vec![PixelKind::Binary, PixelKind::Levels(4), PixelKind::Regression],
        name => vec![name.parse()?],
    };
    if (o.out.is_some() || o.checkpoint.is_some()) && kinds.len() > 1 {
        return Err("--out and --checkpoint name one model's files: pick one --model".into());
    }

    let device = Device::flex();
    let train = Mnist::load(&o.train_file)?;
    let test = Mnist::load(TEST_FILE)?;
    let test_sample = test.first(o.test_digits.clamp(1, test.len()));
    let final_test = test.first(o.final_test_digits.clamp(1, test.len()));
    std::fs::create_dir_all(WEIGHTS_DIR)?;
    for kind in kinds {
        let name = kind.name();
        let checkpoint = o.checkpoint.clone().unwrap_or_else(|| format!("checkpoints/pixelrnn-{name}").into());
        let (recipe_steps, recipe_training) = recipe(kind);
        let total_steps = o.steps.unwrap_or(recipe_steps);
        let mut trainer = if o.resume {
            let trainer = PixelRnnTraining::resume(&checkpoint, &device)?;
            println!("{name}: resumed from {} at step {}", checkpoint.display(), trainer.steps());
            trainer
        } else {
            let mut model = PixelRnnConfig::shipped(kind);
            model.state = o.state.unwrap_or(model.state);
            model.head = o.head.unwrap_or(model.head);
            model.layers = o.layers.unwrap_or(model.layers);
            model.labelled = o.labelled.unwrap_or(model.labelled);
            let mut training = recipe_training;
            training.learning_rate = o.learning_rate.unwrap_or(training.learning_rate);
            training.half_life = o.half_life.unwrap_or(training.half_life);
            training.batch_size = o.batch.unwrap_or(training.batch_size);
            training.seed = o.seed.unwrap_or(training.seed);
            PixelRnnTraining::from_scratch(&model, training, &device)
        };
        let model_config = trainer.model_config().clone();
        println!(
            "{name}: {model_config:?}, {:?}, to step {total_steps}, from {} digits of {}; checkpoints in {} every {} min",
            trainer.config(),
            train.len(),
            o.train_file.display(),
            checkpoint.display(),
            o.every_minutes
        );

        let started = Instant::now();
        let mut last_saved = Instant::now();
        let first_step = trainer.steps();
        let mut sum = Tensor::<1>::zeros([1], &device);
        let mut summed = 0;
        while trainer.steps() < total_steps {
            sum = sum + trainer.train_on(&train);
            summed += 1;
            let step = trainer.steps();
            if step % REPORT_EVERY == 0 || step == total_steps {
                let mean = sum.into_scalar::<f32>() / summed as f32;
                let tested = test_loss(&trainer.model(), &test_sample, BOUND_SEED, &device).into_scalar::<f32>();
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "{name} step {step:>6}/{total_steps}: train loss {mean:.2} | test ({} digits) {tested:.2} | lr {:.2e} | {:.2} steps/s, {seconds:.0} s this run",
                    test_sample.len(),
                    trainer.config().rate_at(step),
                    (step - first_step) as f64 / seconds,
                );
                (sum, summed) = (Tensor::zeros([1], &device), 0);
            }
            if last_saved.elapsed().as_secs_f64() >= o.every_minutes * 60.0 || step == total_steps {
                trainer.save(&checkpoint)?;
                last_saved = Instant::now();
            }
        }
        let path = o.out.clone().unwrap_or_else(|| format!("{WEIGHTS_DIR}/pixelrnn-{name}.bpk").into());
        let (stored, bytes) = weights::ship(trainer.model(), model_config.init(&device), &path)?;
        println!(
            "wrote {} ({bytes} bytes) at step {}; {:.0} s of training in this run; with f16 weights, test NLL over {} test digits {:.2}",
            path.display(),
            trainer.steps(),
            started.elapsed().as_secs_f64(),
            final_test.len(),
            test_loss(&stored, &final_test, BOUND_SEED, &device).into_scalar::<f32>()
        );
    }
    Ok(())
}
