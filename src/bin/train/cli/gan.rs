//! A GAN on MNIST, its samples judged by the shipped classifier as it goes; writes the weights
//! (G and D, f16) only with `--out`.
//!
//! Defaults: the page's live MLP GAN and settings, 60k training digits, no file written.
//! The shipped checkpoint (what `train all` runs): `--iterations 40000 --halve-every 10000
//! --eval-every 2000 --out www/weights/gan.bpk` (6 min 45 s on 2 cores). Time to digits of the
//! live settings, as the page trains (10k digits): `--data www/data/mnist_train_10k.bin.gz
//! --eval-every 200 --until-digits`.

use std::path::PathBuf;
use std::time::Instant;

use latent_lab::data::mnist::Mnist;
use latent_lab::models::classifier::{judge_images, ClassifierConfig};
use latent_lab::models::gan::{
    fixed_noise, to_unit_pixels, DcganConfig, GanConfig, GanLoss, GanTraining, GanTrainingConfig, DIGITS,
};
use latent_lab::training::{self, Progress, Result, TrainData, TEST_FILE};
use latent_lab::weights;

/// The shipped checkpoint's flags.
pub const SHIPPED: &[&str] = &[
    "--iterations",
    "40000",
    "--halve-every",
    "10000",
    "--eval-every",
    "2000",
    "--out",
    "www/weights/gan.bpk",
];

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Model {
    /// The page's live MLP GAN.
    Mlp,
    /// The benchmark workload's DCGAN.
    Dcgan,
    /// A smaller DCGAN.
    DcganSmall,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Model::Mlp)]
    model: Model,
    /// Iterations (each k D steps and one G step).
    #[arg(long, default_value_t = 5000)]
    iterations: usize,
    /// Batch size.
    #[arg(long = "batch", default_value_t = GanTrainingConfig::live().batch_size)]
    batch_size: usize,
    /// G's learning rate.
    #[arg(long = "lr-g", default_value_t = GanTrainingConfig::live().generator_lr)]
    generator_lr: f64,
    /// D's learning rate.
    #[arg(long = "lr-d", default_value_t = GanTrainingConfig::live().discriminator_lr)]
    discriminator_lr: f64,
    /// D steps per iteration.
    #[arg(long = "k", default_value_t = GanTrainingConfig::live().d_steps)]
    d_steps: usize,
    /// G minimises log(1 − D(G(z))) (the minimax loss) instead of the non-saturating one.
    #[arg(long)]
    minimax: bool,
    /// The training RNG's seed.
    #[arg(long, default_value_t = GanTrainingConfig::live().seed)]
    seed: u64,
    /// Iterations between judged progress lines.
    #[arg(long, default_value_t = 500)]
    eval_every: usize,
    /// Stop as soon as the samples read as digits (the DIGITS bar).
    #[arg(long)]
    until_digits: bool,
    /// Stop after this many seconds of training (default: no limit).
    #[arg(long)]
    seconds: Option<f64>,
    /// Halve both learning rates every N iterations (default: never).
    #[arg(long, value_name = "N")]
    halve_every: Option<usize>,
    /// The MLP generator's hidden widths, e.g. 256,512.
    #[arg(long, value_delimiter = ',', value_name = "W,W")]
    g_hidden: Option<Vec<usize>>,
    /// The MLP discriminator's hidden widths.
    #[arg(long, value_delimiter = ',', value_name = "W,W")]
    d_hidden: Option<Vec<usize>>,
    /// Write G and D (f16) here at the end (default: nothing written).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(args: Args) -> Result {
    let mut model = match args.model {
        Model::Mlp => GanConfig::live(),
        Model::Dcgan => GanConfig::workload(),
        Model::DcganSmall => GanConfig::Dcgan(DcganConfig::small()),
    };
    for (widths, generator) in [(&args.g_hidden, true), (&args.d_hidden, false)] {
        let Some(widths) = widths else { continue };
        match &mut model {
            GanConfig::Mlp(mlp) if generator => mlp.generator_hidden = widths.clone(),
            GanConfig::Mlp(mlp) => mlp.discriminator_hidden = widths.clone(),
            GanConfig::Dcgan(_) => return Err("--g-hidden/--d-hidden are for the MLP GAN".into()),
        }
    }
    let mut config = GanTrainingConfig::live();
    config.batch_size = args.batch_size;
    config.generator_lr = args.generator_lr;
    config.discriminator_lr = args.discriminator_lr;
    config.d_steps = args.d_steps;
    config.seed = args.seed;
    if args.minimax {
        config.loss = GanLoss::Minimax;
    }
    let (iterations, eval_every) = (args.iterations, args.eval_every);
    let halve_every = args.halve_every.unwrap_or(usize::MAX);
    let seconds = args.seconds.unwrap_or(f64::INFINITY);

    let device = training::device(None);
    let train = Mnist::load(&args.data.file)?;
    let classifier =
        weights::load_file(ClassifierConfig::shipped().init(&device), training::weights_path("classifier"))?;
    println!("{model:?}\n{config:?}\ntraining on {} digits from {}", train.len(), args.data.file.display());
    let z = fixed_noise(DIGITS.noise_seed, DIGITS.samples, model.latent(), &device);
    let mut training = GanTraining::from_scratch(&model, config, &device);
    let started = Instant::now();
    let mut train_seconds = 0.0;
    let mut progress = Progress::new("GAN iterations", iterations as u64);
    while training.iterations() < iterations {
        let chunk_start = Instant::now();
        let mut stats = None;
        for _ in 0..eval_every.min(iterations - training.iterations()) {
            stats = Some(training.train_on(&train));
            progress.inc(1);
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
        progress.println(format!(
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
        ));
        if train_seconds > seconds {
            progress.println(format!("time is up: {train_seconds:.1} s of training"));
            break;
        }
        if args.until_digits && DIGITS.met_by(&judged) {
            progress.println(format!(
                "digits after {} iterations, {train_seconds:.1} s of training ({:.1} s with judging)",
                training.iterations(),
                started.elapsed().as_secs_f64()
            ));
            break;
        }
    }
    progress.finish();
    if let Some(path) = args.out {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(&path, weights::to_bytes(training.gan()))?;
        println!("wrote {} after {train_seconds:.0} s of training", path.display());
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
