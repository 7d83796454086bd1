//! The auto-encoder lab's models on the 60k training digits → the deep AE
//! (784-1000-500-250-30, `deep-ae.bpk`), the 2-D AEs with and without an L2 penalty on the code
//! (`ae2d.bpk`, `ae2d-l2.bpk`), and PCA's first 200 components (`pca.bpk`).

use burn::tensor::Device;
use latent_lab::data::mnist::Mnist;
use latent_lab::models::autoencoder::{
    mean_error, Autoencoder, AutoencoderConfig, AutoencoderTraining, TrainingConfig,
};
use latent_lab::models::pca::SHIPPED_COMPONENTS as PCA_COMPONENTS;
use latent_lab::models::{pca, seeded};
use latent_lab::training::{self, Result, TrainData};

/// The L2 penalty on the 2-D code of `ae2d-l2`: it brings the codes' RMS norm to about 1, so
/// they fill the region where N(0, I) draws fall (0.05 left it at 2.5, no more digits near 0).
const CODE_PENALTY: f64 = 0.5;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum Which {
    /// The deep AE (100 epochs).
    Deep,
    /// Both 2-D AEs (20 epochs each).
    #[value(name = "2d")]
    TwoD,
    /// PCA (a closed-form fit).
    Pca,
    All,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(value_enum, default_value_t = Which::All)]
    which: Which,
    /// Passes over the training digits (default: the recipe's, 100 for the deep AE, 20 for the
    /// 2-D ones); batch 128, Adam 1e-3 with a cosine decay to 0.
    #[arg(long)]
    epochs: Option<usize>,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(args: Args) -> Result {
    let wants = |which| args.which == which || args.which == Which::All;
    let device = training::device(None);
    let (train, test) = args.data.load()?;
    println!("training on {} images from {}", train.len(), args.data.file.display());

    if wants(Which::Pca) {
        let started = std::time::Instant::now();
        let all: Vec<usize> = (0..train.len()).collect();
        let fitted = pca::fit(train.batch(&all, &device), PCA_COMPONENTS);
        let path = training::weights_path("pca");
        let (shipped, bytes) = training::ship(fitted, pca::Pca::zeros(PCA_COMPONENTS, 784, &device), &path)?;
        println!("wrote {} ({bytes} bytes) in {:.1} s", path.display(), started.elapsed().as_secs_f64());
        for k in [2, 30, 100, PCA_COMPONENTS] {
            println!(
                "PCA-{k}: test error {:.2} per image",
                mean_error(&test, &device, |x| shipped.reconstruct(x, k))
            );
        }
    }
    if wants(Which::Deep) {
        // Each digit moved by up to a pixel: without it the net learns the training digits by
        // heart (after 100 epochs: 2.17 on training digits, 3.99 on test digits).
        let config =
            TrainingConfig::new().with_batch_size(128).with_cross_entropy(true).with_seed(31).with_jitter(1);
        let start = seeded(31, |d| AutoencoderConfig::deep().init(d));
        train_one(
            "deep-ae",
            AutoencoderConfig::deep(),
            start,
            config,
            args.epochs.unwrap_or(100),
            &train,
            &test,
            &device,
        )?;
    }
    if wants(Which::TwoD) {
        let epochs = args.epochs.unwrap_or(20);
        let plain = TrainingConfig::new().with_batch_size(128).with_cross_entropy(true).with_seed(32);
        let start = seeded(32, |d| AutoencoderConfig::map_2d().init(d));
        train_one("ae2d", AutoencoderConfig::map_2d(), start, plain.clone(), epochs, &train, &test, &device)?;
        let penalised = plain.with_seed(33).with_code_penalty(CODE_PENALTY);
        let start = seeded(33, |d| AutoencoderConfig::map_2d().init(d));
        train_one("ae2d-l2", AutoencoderConfig::map_2d(), start, penalised, epochs, &train, &test, &device)?;
    }
    Ok(())
}

/// Adam with a cosine learning-rate decay to 0 over `epochs` passes; prints the test error each
/// epoch and writes `<name>.bpk` (f16), reporting the shipped weights' test error.
#[allow(clippy::too_many_arguments)]
fn train_one(
    name: &str,
    model: AutoencoderConfig,
    start: Autoencoder,
    config: TrainingConfig,
    epochs: usize,
    train: &Mnist,
    test: &Mnist,
    device: &Device,
) -> Result<Autoencoder> {
    let base_rate = config.learning_rate;
    let steps_per_epoch = train.len() / config.batch_size;
    let mut training = AutoencoderTraining::new(start, config, device);
    let seconds = training::run_epochs(
        format!("{name} steps"),
        &mut training,
        epochs,
        steps_per_epoch,
        |training, epoch| {
            training.set_learning_rate(training::cosine_rate(base_rate, epoch, epochs));
            training.step(train)
        },
        |training, epoch, loss| {
            let current = training.model();
            format!(
                "{name} epoch {epoch}/{epochs}: train loss {:.2}, test error {:.3}",
                loss.into_scalar::<f32>(),
                mean_error(test, device, |x| current.forward(x)),
            )
        },
    );
    let path = training::weights_path(name);
    let (shipped, bytes) = training::ship(training.model(), model.init(device), &path)?;
    println!(
        "wrote {} ({bytes} bytes): test error {:.3} per image after f16 rounding, {seconds:.0} s of training",
        path.display(),
        mean_error(test, device, |x| shipped.forward(x)),
    );
    Ok(shipped)
}
