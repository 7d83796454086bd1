//! Trains the sentence VAE on the training sentences of `www/data/text/sentences.tsv.gz` whose
//! every word is in the vocabulary (words seen twice or more) and writes
//! `www/weights/sentence-vae.bpk`. Prints, as it goes, the held-out sentences'
//! reconstruction cross-entropy, KL and teacher-forced token accuracy (at the posterior mean),
//! then interpolations between held-out sentences (beam of 4) and samples from the prior.

use burn::tensor::{Device, Tensor};
use latent_lab::data::text::{TextCorpus, Vocabulary};
use latent_lab::models::seeded;
use latent_lab::models::sentence_vae::{
    covered_ids, decode_codes, decode_rows, interpolate, mean_tokens_in_place, prior_codes, sample_codes,
    sentence_vocabulary, sentences, SentenceBatch, SentenceFigures, SentencePool, SentenceVae,
    SentenceVaeConfig, SentenceVaeTraining, SentenceVaeTrainingConfig,
};
use latent_lab::training::{self, Progress, Result};
use rand::rngs::SmallRng;
use rand::SeedableRng;

const CORPUS: &str = "www/data/text/sentences.tsv.gz";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Steps of batch 64 (Adam 2e-3 with a cosine decay).
    #[arg(long, default_value_t = 13000)]
    steps: usize,
    /// Free bits: the KL nats per code dimension that cost nothing.
    #[arg(long, value_name = "NATS", default_value_t = SentenceVaeTrainingConfig::new().free_bits)]
    free_bits: f64,
    /// The share of the decoder's input words dropped.
    #[arg(long, value_name = "P", default_value_t = SentenceVaeTrainingConfig::new().word_dropout)]
    word_dropout: f64,
    /// The code's size.
    #[arg(long, default_value_t = SentenceVaeConfig::new(0).code)]
    code: usize,
    /// Where the weights go.
    #[arg(long, value_name = "FILE", default_value = "www/weights/sentence-vae.bpk")]
    out: String,
}

pub fn run(args: Args) -> Result {
    let Args { steps, free_bits, word_dropout, code, out } = args;
    let device = training::device(None);
    let corpus = TextCorpus::load(CORPUS)?;
    let (train, held_out) = sentences(&corpus);
    let vocabulary = sentence_vocabulary(&train);
    let (train_ids, held_out_ids) = (covered_ids(&train, &vocabulary), covered_ids(&held_out, &vocabulary));
    println!(
        "{} training and {} held-out sentences, vocabulary of {} tokens",
        train_ids.len(),
        held_out_ids.len(),
        vocabulary.len()
    );
    let config = SentenceVaeConfig::new(vocabulary.len()).with_code(code);
    let mut training_config = SentenceVaeTrainingConfig::new();
    training_config.free_bits = free_bits;
    training_config.word_dropout = word_dropout;
    let base_rate = training_config.learning_rate;
    let mut training = SentenceVaeTraining::new(seeded(51, |d| config.init(d)), training_config, &device);
    let pool = SentencePool::new(train_ids.clone());
    let mut progress = Progress::new("sentence-vae steps", steps as u64);
    let mut sums = vec![0f32; 4];
    for step in 0..steps {
        training.set_learning_rate(training::cosine_rate(base_rate, step, steps));
        let terms: Vec<f32> = training.step(&pool).into_data().try_to_vec()?;
        sums.iter_mut().zip(terms).for_each(|(s, t)| *s += t);
        progress.inc(1);
        if (step + 1) % 500 == 0 || step + 1 == steps {
            let seen = SentenceFigures::from_sums(&sums, 500 * 64);
            let model = training.model();
            let test = evaluate(&model, &held_out_ids, &device);
            let sample =
                |s: &[Vec<usize>]| -> Vec<Vec<usize>> { s.iter().step_by(20).take(128).cloned().collect() };
            let kept = mean_tokens_in_place(&model, &sample(&train_ids), &device);
            let held_kept = mean_tokens_in_place(&model, &sample(&held_out_ids), &device);
            progress.println(format!(
                "step {}/{steps} (β {:.2}): train rec {:.2} KL {:.2} acc {:.3}; held out rec {:.2} KL {:.2} acc {:.3}; greedy keeps {kept:.3} (held out {held_kept:.3})",
                step + 1,
                training.kl_weight(),
                seen.reconstruction,
                seen.kl,
                seen.accuracy,
                test.reconstruction,
                test.kl,
                test.accuracy,
            ));
            sums.fill(0.0);
        }
    }
    let seconds = progress.finish();
    let (model, bytes) = training::ship(training.model(), config.init(&device), &out)?;
    let test = evaluate(&model, &held_out_ids, &device);
    let train_figures = evaluate(&model, &train_ids, &device);
    println!(
        "wrote {out} ({bytes} bytes) after {seconds:.0} s: held out rec {:.2} KL {:.2} acc {:.3}; training rec {:.2} KL {:.2} acc {:.3}",
        test.reconstruction,
        test.kl,
        test.accuracy,
        train_figures.reconstruction,
        train_figures.kl,
        train_figures.accuracy
    );
    for (a, b) in [(0, 1), (2, 3), (4, 5)] {
        println!("interpolation:");
        for line in path(&model, &held_out_ids[a], &held_out_ids[b], &vocabulary, &device) {
            println!("  {line}");
        }
    }
    println!("prior samples (temperature 0.7):");
    let tokens = sample_codes(&model, prior_codes(5, model.code_size(), &device), 0.7, 9);
    for line in decode_rows(tokens.into_data(), &vocabulary) {
        println!("  {line}");
    }
    Ok(())
}

/// Figures at the posterior mean over `sentences`, in chunks of 256.
fn evaluate(model: &SentenceVae, sentences: &[Vec<usize>], device: &Device) -> SentenceFigures {
    let mut rng = SmallRng::seed_from_u64(0);
    let mut sums = vec![0f32; 4];
    for chunk in sentences.chunks(256) {
        let batch = SentenceBatch::new(chunk, 0.0, &mut rng, device);
        let terms: Vec<f32> = model.loss_terms(&batch, None).into_data().try_to_vec().unwrap();
        sums.iter_mut().zip(terms).for_each(|(s, t)| *s += t);
    }
    SentenceFigures::from_sums(&sums, sentences.len())
}

/// Decodes, by the page's beam of 4, of 5 codes evenly spaced between the posterior means of `a`
/// and `b`.
fn path(
    model: &SentenceVae,
    a: &[usize],
    b: &[usize],
    vocabulary: &Vocabulary,
    device: &Device,
) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(0);
    let batch = SentenceBatch::new(&[a.to_vec(), b.to_vec()], 0.0, &mut rng, device);
    let (mean, _): (Tensor<2>, _) = model.encode(&batch);
    let codes = interpolate(mean.clone().narrow(0, 0, 1), mean.narrow(0, 1, 1), 5);
    let mut lines = vec![format!("[a] {}", vocabulary.decode(a))];
    lines.extend(decode_rows(decode_codes(model, codes, 4).into_data(), vocabulary));
    lines.push(format!("[b] {}", vocabulary.decode(b)));
    lines
}
