//! The auto-encoder demo's AE and DAE (the same net, the DAE trained on corrupted inputs) on the
//! 60k training digits → `www/weights/ae.bpk`, `dae.bpk`; then both files' test figures.

use latent_lab::data::noise::Corruption;
use latent_lab::models::autoencoder::{
    measure_quality, AutoencoderConfig, AutoencoderTraining, TrainingConfig, DAE_TRAINING_CORRUPTION,
};
use latent_lab::training::{self, Result, TrainData};
use latent_lab::weights;

#[derive(Clone, Copy)]
pub enum Kind {
    Plain,
    Denoising,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the training digits (batch 64, Adam 1e-3).
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(kind: Kind, args: Args) -> Result {
    let (name, corruption) = match kind {
        Kind::Plain => ("ae", Corruption::None),
        Kind::Denoising => ("dae", DAE_TRAINING_CORRUPTION),
    };
    let epochs = args.epochs;
    let device = training::device(Some(2026));
    let (train, test) = args.data.load()?;
    println!("{name}: training on {} images from {}, {epochs} epochs", train.len(), args.data.file.display());

    let config = AutoencoderConfig::shipped();
    let training_config = TrainingConfig::new().with_corruption(corruption).with_seed(7);
    let steps_per_epoch = train.len() / training_config.batch_size;
    if let Kind::Denoising = kind {
        // The shipped recipe trained the AE, then the DAE, on one device seeded once (training
        // itself draws nothing from it): the DAE starts from the second initialisation.
        let _ae_start = config.init(&device);
    }
    let mut training = AutoencoderTraining::new(config.init(&device), training_config, &device);
    let seconds = training::run_epochs(
        format!("{name} steps"),
        &mut training,
        epochs,
        steps_per_epoch,
        |training, _| training.step(&train),
        |_, epoch, loss| {
            format!("{name} epoch {epoch}/{epochs}: train loss {:.2}", loss.into_scalar::<f32>())
        },
    );
    let path = training::weights_path(name);
    training::ship(training.model(), config.init(&device), &path)?;
    println!("wrote {} after {seconds:.0} s of training", path.display());

    // The figures need both files: the one just written and its sibling as shipped.
    let ae = weights::load_file(config.init(&device), training::weights_path("ae"))?;
    let dae = weights::load_file(config.init(&device), training::weights_path("dae"))?;
    let quality = measure_quality(&ae, &dae, &test, &device);
    println!("test set ({} images): AE error {:.2} per image", test.len(), quality.ae_error);
    for (noise, noisy, denoised) in &quality.dae_psnr {
        println!("DAE on {noise}: PSNR {noisy:.2} dB → {denoised:.2} dB (gain {:.2} dB)", denoised - noisy);
    }
    Ok(())
}
