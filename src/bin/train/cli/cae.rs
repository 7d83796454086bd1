//! The one-layer auto-encoders of the auto-encoder variants page (plain, denoising, contractive at
//! three λ) on the 60k training digits → `www/weights/<variant>.bpk` (f16); prints for each: test
//! reconstruction error, mean test Jacobian norm, and how far the code moves when the test digits
//! are nudged.

use burn::tensor::Device;
use latent_lab::data::mnist::{images_tensor, Mnist};
use latent_lab::data::noise::Corruption;
use latent_lab::models::autoencoder::{mean_error, per_image_error};
use latent_lab::models::contractive::{
    mean_code_shift, mean_jacobian_norm, shipped_variants, ContractiveConfig, ContractiveTraining,
    ContractiveTrainingConfig, Nudge, ShallowAutoencoder, Variant,
};
use latent_lab::models::seeded;
use latent_lab::training::{self, Result, TrainData, TEST_FILE};
use latent_lab::weights;

const BATCH_SIZE: usize = 64;
/// Every variant starts from the same weights and sees the same batches: they differ only in λ
/// and in the noise on their inputs.
const SEED: u64 = 50;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the training digits for each variant (batch 64, Adam with a cosine decay).
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Train only this shipped variant (its file's stem, e.g. cae-lambda-1).
    #[arg(long, value_name = "STEM")]
    only: Option<String>,
    /// Train one contractive AE at λ = L and report it without writing anything (for choosing the
    /// shipped λ).
    #[arg(long, value_name = "L")]
    try_lambda: Option<f64>,
    /// Only measure the shipped files.
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    data: TrainData,
}

pub fn run(args: Args) -> Result {
    let epochs = args.epochs;
    let device = training::device(None);
    if args.report {
        let test = Mnist::load(TEST_FILE)?;
        for variant in &shipped_variants() {
            let model = weights::load_file(
                ContractiveConfig::new().init(&device),
                training::weights_path(variant.name),
            )?;
            report(variant, &model, &test, &device);
        }
        return Ok(());
    }
    let (train, test) = args.data.load()?;
    println!("training on {} images from {}, {epochs} epochs each", train.len(), args.data.file.display());

    if let Some(lambda) = args.try_lambda {
        let variant = Variant { name: "cae-try", label: "trial", lambda, corruption: Corruption::None };
        let (model, _) = train_variant(&variant, epochs, &train, &test, &device);
        report(&variant, &model, &test, &device);
        return Ok(());
    }
    if let Some(stem) = args.only.as_deref().filter(|s| !shipped_variants().iter().any(|v| v.name == *s)) {
        return Err(format!("--only {stem}: not a shipped variant").into());
    }
    for variant in &shipped_variants() {
        if args.only.as_deref().is_some_and(|stem| stem != variant.name) {
            continue;
        }
        let (trained, seconds) = train_variant(variant, epochs, &train, &test, &device);
        let path = training::weights_path(variant.name);
        let (shipped, bytes) = training::ship(trained, ContractiveConfig::new().init(&device), &path)?;
        println!(
            "wrote {} ({bytes} bytes) after {seconds:.0} s; figures of the f16 weights:",
            path.display()
        );
        report(variant, &shipped, &test, &device);
    }
    Ok(())
}

/// Adam with a cosine learning-rate decay to 0 over `epochs` passes; prints the mean training
/// loss terms and the test error each epoch. Returns the model and the seconds it took.
fn train_variant(
    variant: &Variant,
    epochs: usize,
    train: &Mnist,
    test: &Mnist,
    device: &Device,
) -> (ShallowAutoencoder, f64) {
    let config = ContractiveTrainingConfig::new()
        .with_batch_size(BATCH_SIZE)
        .with_lambda(variant.lambda)
        .with_corruption(variant.corruption)
        .with_seed(SEED);
    let base_rate = config.learning_rate;
    let start = seeded(SEED, |d| ContractiveConfig::new().init(d));
    let mut training = ContractiveTraining::new(start, config, device);
    let steps_per_epoch = train.len() / BATCH_SIZE;
    let seconds = training::run_epochs(
        format!("{} steps", variant.name),
        &mut training,
        epochs,
        steps_per_epoch,
        |training, epoch| {
            training.set_learning_rate(training::cosine_rate(base_rate, epoch, epochs));
            training.step_terms(train)
        },
        |training, epoch, terms| {
            let terms: Vec<f32> = terms.into_data().try_to_vec().expect("f32 loss terms");
            let current = training.model();
            format!(
                "{} epoch {epoch}/{epochs}: loss {:.2} = {:.2} nats + {:.2} penalty; test error {:.3}",
                variant.name,
                terms[0],
                terms[1],
                terms[2],
                mean_error(test, device, |x| current.forward(x)),
            )
        },
    );
    (training.model(), seconds)
}

/// The figures the page and the closing note quote, over the whole test set. A denoising
/// variant is also judged on its own task: test digits under its training noise, clean targets.
fn report(variant: &Variant, model: &ShallowAutoencoder, test: &Mnist, device: &Device) {
    let shifts: Vec<String> = Nudge::ALL
        .iter()
        .map(|&kind| format!("{} {:.3}", kind.name(), mean_code_shift(model, test, kind, device)))
        .collect();
    println!(
        "{} ({}): test error {:.3} per image (squared, summed over pixels), mean Jacobian norm {:.3}, mean code shift: {}",
        variant.name,
        variant.label,
        mean_error(test, device, |x| model.forward(x)),
        mean_jacobian_norm(model, test, device),
        shifts.join(", ")
    );
    if variant.corruption != Corruption::None {
        let [noisy, denoised] = noisy_errors(model, variant.corruption, test, device);
        println!(
            "{}: on noisy test digits ({:?}): error of the input {noisy:.3}, of the output {denoised:.3}",
            variant.name, variant.corruption
        );
    }
}

/// Mean squared error per image of the corrupted test digits and of `model`'s output from them,
/// both against the clean digits (the noise seeded by each chunk's start).
fn noisy_errors(
    model: &ShallowAutoencoder,
    corruption: Corruption,
    test: &Mnist,
    device: &Device,
) -> [f32; 2] {
    let all: Vec<usize> = (0..test.len()).collect();
    let mut totals = [0.0f64; 2];
    for indices in all.chunks(500) {
        let clean = test.batch_values(indices);
        let mut noisy = clean.clone();
        corruption.apply(&mut noisy, indices[0] as u64);
        let (clean, noisy) = (images_tensor(clean, device), images_tensor(noisy, device));
        for (total, output) in totals.iter_mut().zip([noisy.clone(), model.forward(noisy)]) {
            *total += f64::from(per_image_error(output, clean.clone()).sum().into_scalar::<f32>());
        }
    }
    totals.map(|t| (t / test.len() as f64) as f32)
}
