//! The VAE lab's shipped models on the 60k training digits (f16): the 10-D VAE, the 2-D VAE and
//! the plain AE of the 10-D shape (no code noise, β = 0).
//!
//! Each epoch prints the training loss terms (nats per image, on freshly binarised batches) and
//! the test bound on the 10k test digits, binarised stochastically with a fixed seed: the ELBO
//! for a VAE, the reconstruction term alone for the AE (a point posterior has no finite bound).

use std::path::PathBuf;

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::vae::{
    test_bound, LossFigures, Vae, VaeConfig, VaeTraining, VaeTrainingConfig, BOUND_SEED,
};
use latent_lab::training::{self, Result, TrainData};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum Which {
    Vae10,
    Vae2,
    Ae10,
    All,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which model.
    #[arg(long = "model", value_enum, default_value_t = Which::All)]
    which: Which,
    /// Passes of 600 steps (batch 100) over the training digits.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Weight of the VAEs' KL term (the AE's is always 0).
    #[arg(long, default_value_t = 1.0)]
    beta: f64,
    /// Adam's learning rate.
    #[arg(long = "lr", default_value_t = VaeTrainingConfig::new().learning_rate)]
    learning_rate: f64,
    /// The training RNG's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replaces the shipped hidden widths, e.g. 512,256 (to try others; the page loads the
    /// shipped shapes).
    #[arg(long, value_delimiter = ',', value_name = "W,W")]
    hidden: Option<Vec<usize>>,
    /// Train on the grey levels as they are instead of fresh binarisations.
    #[arg(long)]
    grey: bool,
    /// The file to write when one model is trained (default www/weights/<model>.bpk).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    data: TrainData,
}

struct Target {
    name: &'static str,
    model: VaeConfig,
    training: VaeTrainingConfig,
}

pub fn run(args: Args) -> Result {
    let epochs = args.epochs;
    let vae = VaeTrainingConfig::new()
        .with_beta(args.beta)
        .with_learning_rate(args.learning_rate)
        .with_seed(args.seed);
    let ae =
        VaeTrainingConfig::plain_autoencoder().with_learning_rate(args.learning_rate).with_seed(args.seed);
    let all = vec![
        (Which::Vae10, Target { name: "vae10", model: VaeConfig::shipped_10d(), training: vae.clone() }),
        (Which::Vae2, Target { name: "vae2", model: VaeConfig::shipped_2d(), training: vae }),
        (Which::Ae10, Target { name: "ae10", model: VaeConfig::shipped_10d(), training: ae }),
    ];
    let mut targets: Vec<Target> = all
        .into_iter()
        .filter(|(w, _)| args.which == Which::All || *w == args.which)
        .map(|(_, t)| t)
        .collect();
    targets.iter_mut().for_each(|t| t.training.binarise = !args.grey);
    if let Some(widths) = &args.hidden {
        targets.iter_mut().for_each(|t| t.model.hidden = widths.clone());
    }
    if args.out.is_some() && targets.len() > 1 {
        return Err("--out names one file: pick one --model".into());
    }

    let device = training::device(None);
    let (train, test) = args.data.load()?;
    for target in targets {
        let Target { name, model, training: config } = target;
        let steps_per_epoch = train.len() / config.batch_size;
        println!(
            "{name}: {model:?}, β {}, code noise {}, {epochs} epochs of {steps_per_epoch} steps on {} digits from {}",
            config.beta,
            if config.sample_code { "on" } else { "off" },
            train.len(),
            args.data.file.display()
        );
        let sample_code = config.sample_code;
        let mut training = VaeTraining::from_scratch(&model, config, &device);
        let seconds = training::run_epochs(
            format!("{name} steps"),
            &mut training,
            epochs,
            steps_per_epoch,
            |training, _| training.train_on(&train),
            |training, epoch, loss| {
                let figures = LossFigures::read(loss);
                format!(
                    "{name} epoch {epoch:>3}/{epochs}: train loss {:.2} (reconstruction {:.2}, KL {:.2}) | test {}",
                    figures.total,
                    figures.reconstruction,
                    figures.kl,
                    describe(&training.model(), &test, sample_code, &device),
                )
            },
        );
        let path = args.out.clone().unwrap_or_else(|| training::weights_path(name));
        let (stored, bytes) = training::ship(training.model(), model.init(&device), &path)?;
        println!(
            "wrote {} ({bytes} bytes); {seconds:.0} s of training; with f16 weights, test {}",
            path.display(),
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
