//! The shipped MNIST classifier (the GAN and compare demos' judge) on the 60k training digits →
//! `www/weights/classifier.bpk`.

use latent_lab::models::classifier::{
    accuracy, ClassifierConfig, ClassifierTraining, ClassifierTrainingConfig,
};
use latent_lab::training::{self, Progress, Result, TrainData};

/// The learning rate is multiplied by this after each epoch.
const LR_DECAY: f64 = 0.7;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the training digits (the rate ×0.7 after each).
    #[arg(long, default_value_t = 6)]
    epochs: usize,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(args: Args) -> Result {
    let epochs = args.epochs;
    let device = training::device(Some(2026));
    let (train, test) = args.data.load()?;
    let config = ClassifierTrainingConfig::new().with_seed(11);
    let base_rate = config.learning_rate;
    let mut training = ClassifierTraining::new(ClassifierConfig::shipped().init(&device), config, &device);
    let mut progress = Progress::new("classifier epochs", epochs as u64);
    for epoch in 0..epochs {
        training.set_learning_rate(base_rate * LR_DECAY.powi(epoch as i32));
        let loss = training.epoch(&train);
        progress.inc(1);
        progress.println(format!(
            "epoch {}/{epochs}: train loss {loss:.4}, test accuracy {:.2} %",
            epoch + 1,
            100.0 * accuracy(&training.model(), &test, &device),
        ));
    }
    let seconds = progress.finish();
    let path = training::weights_path("classifier");
    let (shipped, _) = training::ship(training.model(), ClassifierConfig::shipped().init(&device), &path)?;
    println!(
        "wrote {} after {seconds:.0} s of training: test accuracy {:.2} % after f16 rounding",
        path.display(),
        100.0 * accuracy(&shipped, &test, &device)
    );
    Ok(())
}
