//! Trains a GAN on MNIST natively, judging its samples with the shipped classifier as it goes,
//! and optionally writes the weights (G and D, f16):
//!
//! `cargo run --release --bin train_gan -- [--model mlp|dcgan|dcgan-small] [--iterations N] [--batch B]
//! [--lr-g X] [--lr-d X] [--k K] [--minimax] [--seed S] [--data FILE] [--eval-every N]
//! [--until-digits] [--seconds S] [--halve-every N] [--g-hidden W,W] [--d-hidden W,W] [--out FILE]`
//!
//! Defaults: the page's live MLP GAN and settings, 60k training digits, no file written.
//! `--halve-every N` halves both learning rates every N iterations. The shipped checkpoint:
//! `--iterations 40000 --halve-every 10000 --eval-every 2000 --out www/weights/gan.bpk`
//! (6 min 45 s on 2 cores). Time to digits of the live settings, as the page trains (10k digits):
//! `--data www/data/mnist_train_10k.bin.gz --eval-every 200 --until-digits`.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::classifier::{judge_images, ClassifierConfig};
use latent_lab::models::gan::{
    fixed_noise, to_unit_pixels, DcganConfig, GanConfig, GanLoss, GanTraining, GanTrainingConfig, DIGITS,
};
use latent_lab::weights;

const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
const CLASSIFIER: &str = "www/weights/classifier.bpk";
const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut model = GanConfig::live();
    let mut config = GanTrainingConfig::live();
    let mut iterations = 5000usize;
    let mut eval_every = 500usize;
    let mut until_digits = false;
    let mut seconds = f64::INFINITY;
    let mut halve_every = usize::MAX;
    let mut out: Option<PathBuf> = None;
    let mut train_file = PathBuf::from(DEFAULT_TRAIN_FILE);
    let mut args = std::env::args().skip(1);
    let usage = "usage: train_gan [--model mlp|dcgan|dcgan-small] [--iterations N] [--batch B] [--lr-g X] [--lr-d X] \
                 [--k K] [--minimax] [--seed S] [--data FILE] [--eval-every N] [--until-digits] [--seconds S] [--halve-every N] [--g-hidden W,W] [--d-hidden W,W] [--out FILE]";
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--model" => {
                model = match value()?.as_str() {
                    "mlp" => GanConfig::live(),
                    "dcgan" => GanConfig::workload(),
                    "dcgan-small" => GanConfig::Dcgan(DcganConfig::small()),
                    other => return Err(format!("unknown model {other}; {usage}").into()),
                }
            }
            "--iterations" => iterations = value()?.parse()?,
            "--g-hidden" | "--d-hidden" => {
                let widths = value()?.split(',').map(str::parse).collect::<Result<Vec<usize>, _>>()?;
                match &mut model {
                    GanConfig::Mlp(mlp) if arg == "--g-hidden" => mlp.generator_hidden = widths,
                    GanConfig::Mlp(mlp) => mlp.discriminator_hidden = widths,
                    GanConfig::Dcgan(_) => return Err("--g-hidden/--d-hidden are for the MLP GAN".into()),
                }
            }
            "--seconds" => seconds = value()?.parse()?,
            "--halve-every" => halve_every = value()?.parse()?,
            "--batch" => config.batch_size = value()?.parse()?,
            "--lr-g" => config.generator_lr = value()?.parse()?,
            "--lr-d" => config.discriminator_lr = value()?.parse()?,
            "--k" => config.d_steps = value()?.parse()?,
            "--seed" => config.seed = value()?.parse()?,
            "--data" => train_file = value()?.into(),
            "--eval-every" => eval_every = value()?.parse()?,
            "--out" => out = Some(value()?.into()),
            "--minimax" => config.loss = GanLoss::Minimax,
            "--until-digits" => until_digits = true,
            other => return Err(format!("unknown argument {other}; {usage}").into()),
        }
    }
    let device = Device::flex();
    let train = Mnist::load(&train_file)?;
    let classifier = weights::load_file(ClassifierConfig::shipped().init(&device), CLASSIFIER)?;
    println!("{model:?}\n{config:?}\ntraining on {} digits from {}", train.len(), train_file.display());
    let z = fixed_noise(DIGITS.noise_seed, DIGITS.samples, model.latent(), &device);
    let mut training = GanTraining::from_scratch(&model, config, &device);
    let started = Instant::now();
    let mut train_seconds = 0.0;
    while training.iterations() < iterations {
        let chunk_start = Instant::now();
        let mut stats = None;
        for _ in 0..eval_every.min(iterations - training.iterations()) {
            stats = Some(training.train_on(&train));
            if training.iterations().is_multiple_of(halve_every) {
                let rates = training.config_mut();
                rates.generator_lr /= 2.0;
                rates.discriminator_lr /= 2.0;
            }
        }
        let figures: Vec<f32> = stats.expect("≥ 1 iteration").packed().into_data().iter::<f32>().collect();
        train_seconds += chunk_start.elapsed().as_secs_f64();
        let judged = judge_images(
            &classifier,
            to_unit_pixels(training.samples(z.clone())),
            DIGITS.confidence,
            DIGITS.min_per_class,
        );
        println!(
            "it {:>6} {:>7.1} s ({:>5.1} it/s): D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2} | confident {:>3.0} % coverage {:>2}/10 IS {:.2}{}",
            training.iterations(),
            started.elapsed().as_secs_f64(),
            training.iterations() as f64 / train_seconds,
            figures[0],
            figures[1],
            figures[2],
            figures[3],
            100.0 * judged.confident_share,
            judged.coverage,
            judged.inception_score,
            if DIGITS.met_by(&judged) { " DIGITS" } else { "" }
        );
        if train_seconds > seconds {
            println!("time is up: {train_seconds:.1} s of training");
            break;
        }
        if until_digits && DIGITS.met_by(&judged) {
            println!(
                "digits after {} iterations, {train_seconds:.1} s of training ({:.1} s with judging)",
                training.iterations(),
                started.elapsed().as_secs_f64()
            );
            break;
        }
    }
    if let Some(path) = out {
        std::fs::write(&path, weights::to_bytes(training.gan()))?;
        println!("wrote {}", path.display());
    }
    let test = Mnist::load(TEST_FILE)?;
    let real = judge_images(
        &classifier,
        test.batch(&(0..1000).collect::<Vec<_>>(), &device),
        DIGITS.confidence,
        DIGITS.min_per_class,
    );
    println!(
        "for comparison, 1000 real test digits: confident {:.0} %, coverage {}/10, IS {:.2}",
        100.0 * real.confident_share,
        real.coverage,
        real.inception_score
    );
    Ok(())
}
