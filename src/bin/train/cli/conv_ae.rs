//! The convolutional auto-encoder with its three decoders (max-unpooling with switches,
//! repeat-unpooling, transposed convolution), trained jointly on the 60k training digits →
//! `www/weights/conv-ae.bpk` (f16); prints each decoder's test error.

use burn::module::Module;
use latent_lab::models::autoencoder::mean_error;
use latent_lab::models::conv_autoencoder::{
    ConvAutoencoderConfig, ConvAutoencoderTraining, ConvTrainingConfig, DECODERS,
};
use latent_lab::models::seeded;
use latent_lab::training::{self, Progress, Result, TrainData};

const SEED: u64 = 41;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the training digits (Adam with a cosine decay to 0).
    #[arg(long, default_value_t = 7)]
    epochs: usize,
    /// Only time N steps and exit (writes nothing).
    #[arg(long, value_name = "N")]
    time_steps: Option<usize>,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(args: Args) -> Result {
    let epochs = args.epochs;
    let device = training::device(None);
    let (train, test) = args.data.load()?;
    let model_config = ConvAutoencoderConfig::new();
    let config = ConvTrainingConfig::new().with_seed(SEED);
    let start = seeded(SEED, |d| model_config.init(d));
    println!(
        "{} parameters; training on {} images from {}",
        start.num_params(),
        train.len(),
        args.data.file.display()
    );
    let base_rate = config.learning_rate;
    let steps_per_epoch = train.len() / config.batch_size;
    let mut training = ConvAutoencoderTraining::new(start, config, &device);

    if let Some(steps) = args.time_steps {
        let mut progress = Progress::new("conv-ae timed steps", steps as u64);
        let mut total = 0.0;
        for _ in 0..steps {
            total += training.step(&train).into_scalar::<f32>();
            progress.inc(1);
        }
        let seconds = progress.finish();
        println!(
            "{steps} steps in {seconds:.1} s ({:.1} ms/step, an epoch of {steps_per_epoch} steps ≈ {:.0} s); mean summed loss {:.2}",
            1e3 * seconds / steps as f64,
            seconds / steps as f64 * steps_per_epoch as f64,
            total / steps as f32
        );
        return Ok(());
    }

    let trained_for = training::run_epochs(
        "conv-ae steps",
        &mut training,
        epochs,
        steps_per_epoch,
        |training, epoch| {
            training.set_learning_rate(training::cosine_rate(base_rate, epoch, epochs));
            training.step(&train)
        },
        |_, epoch, loss| {
            format!("epoch {epoch}/{epochs}: mean summed train loss {:.2}", loss.into_scalar::<f32>())
        },
    );
    let path = training::weights_path("conv-ae");
    let (shipped, bytes) = training::ship(training.model(), model_config.init(&device), &path)?;
    println!("wrote {} ({bytes} bytes), {trained_for:.0} s of training", path.display());
    // Each decoder's test error: squared error summed over 784 pixels, mean per image.
    for (i, name) in DECODERS.iter().enumerate() {
        let error = mean_error(&test, &device, |x| shipped.reconstruct(x)[i].clone());
        println!("{name}: test error {error:.3} per image (f16 weights, {} test digits)", test.len());
    }
    Ok(())
}
