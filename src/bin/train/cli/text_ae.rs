//! Trains the text demo's retrieval auto-encoders on the fortune corpus's training split and
//! writes what the page loads: `text-ae.bpk` (32-D code, for search), `text-ae2d.bpk` (2-D code,
//! for the map) and `text-pca.bpk` (the first two principal components of the same
//! log(1 + count) vectors, for the map beside it). Prints precision@10 by topic of the held-out
//! documents against the training documents: by code, and by the word-overlap baselines.

use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use latent_lab::data::text::{BagOfWords, TextCorpus};
use latent_lab::models::text_autoencoder::{
    cosine_distances, topic_precision, TextAeTraining, TextAeTrainingConfig, TextAutoencoder,
    TextAutoencoderConfig,
};
use latent_lab::models::{pca, seeded};
use latent_lab::retrieval::squared_distances;
use latent_lab::training::{self, Progress, Result};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

const CORPUS: &str = "www/data/text/fortunes.tsv.gz";
const K: usize = 10;
const WORD_DROPOUT: f64 = 0.5;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the training documents for each AE (Adam with a cosine decay).
    #[arg(long, default_value_t = 60)]
    epochs: usize,
}

pub fn run(args: Args) -> Result {
    let epochs = args.epochs;
    let device = training::device(None);
    let corpus = TextCorpus::load(CORPUS)?;
    let started = Instant::now();
    let bag = corpus.bag_of_words();
    println!("bag of {} words derived in {:.1} ms", bag.len(), started.elapsed().as_secs_f64() * 1e3);
    let set = Split::new(&corpus, &bag, &device);

    for (name, (queries, index)) in [
        ("word overlap: cosine of counts", (set.test_counts.clone(), set.train_counts.clone())),
        (
            "word overlap: cosine of log(1 + count)",
            (set.test_counts.clone().log1p(), set.train_counts.clone().log1p()),
        ),
        ("word overlap: cosine of tf-idf", (set.test_tf_idf.clone(), set.train_tf_idf.clone())),
    ] {
        println!("{name}: precision@{K} {:.3}", set.precision(cosine_distances(queries, index)));
    }

    let fitted = pca::fit(set.train_counts.clone().log1p(), 2);
    let (pca_shipped, bytes) =
        training::ship(fitted, pca::Pca::zeros(2, bag.len(), &device), training::weights_path("text-pca"))?;
    let pca_codes = |x: Tensor<2>| pca_shipped.encode(x.log1p(), 2);
    println!(
        "wrote text-pca.bpk ({bytes} bytes): precision@{K} by PCA-2 {:.3} (Euclidean)",
        set.precision(squared_distances(
            pca_codes(set.test_counts.clone()),
            pca_codes(set.train_counts.clone())
        ))
    );

    for (name, config, seed) in [
        ("text-ae", TextAutoencoderConfig::search(bag.len()), 41),
        ("text-ae2d", TextAutoencoderConfig::map_2d(bag.len()), 42),
    ] {
        train_one(name, config, seed, epochs, &set, &device)?;
    }
    Ok(())
}

/// The training and held-out documents as tensors, with their topics.
struct Split {
    train_counts: Tensor<2>,
    test_counts: Tensor<2>,
    train_tf_idf: Tensor<2>,
    test_tf_idf: Tensor<2>,
    train_topics: Vec<u8>,
    test_topics: Vec<u8>,
}

impl Split {
    fn new(corpus: &TextCorpus, bag: &BagOfWords, device: &Device) -> Self {
        let texts = |held_out: bool| -> Vec<&str> {
            corpus.documents.iter().filter(|d| d.held_out == held_out).map(|d| d.text.as_str()).collect()
        };
        let topics = |held_out: bool| -> Vec<u8> {
            corpus.documents.iter().filter(|d| d.held_out == held_out).map(|d| d.topic as u8).collect()
        };
        Self {
            train_counts: bag.counts_tensor(&texts(false), device),
            test_counts: bag.counts_tensor(&texts(true), device),
            train_tf_idf: bag.tf_idf_tensor(&texts(false), device),
            test_tf_idf: bag.tf_idf_tensor(&texts(true), device),
            train_topics: topics(false),
            test_topics: topics(true),
        }
    }

    fn precision(&self, distances: Tensor<2>) -> f32 {
        let values: Vec<f32> = distances.into_data().try_to_vec().expect("f32 distances");
        topic_precision(&values, &self.test_topics, &self.train_topics, K)
    }
}

/// Adam with a cosine decay of the learning rate over `epochs`; prints the held-out loss and
/// precision@10 by code every 10 epochs and writes `<name>.bpk` (f16), reporting its figures.
fn train_one(
    name: &str,
    config: TextAutoencoderConfig,
    seed: u64,
    epochs: usize,
    set: &Split,
    device: &Device,
) -> Result<TextAutoencoder> {
    let training_config = TextAeTrainingConfig::new().with_word_dropout(WORD_DROPOUT);
    let base_rate = training_config.learning_rate;
    let batch = training_config.batch_size;
    let mut training = TextAeTraining::new(seeded(seed, |d| config.init(d)), training_config, device);
    let documents = set.train_topics.len();
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..documents).collect();
    let report = |model: &TextAutoencoder| -> (f32, f32, f32, f32) {
        let codes = |x: Tensor<2>| model.encode(x);
        let (test_codes, train_codes) = (codes(set.test_counts.clone()), codes(set.train_counts.clone()));
        (
            model.loss(set.train_counts.clone()).into_scalar(),
            model.loss(set.test_counts.clone()).into_scalar(),
            set.precision(cosine_distances(test_codes.clone(), train_codes.clone())),
            set.precision(squared_distances(test_codes, train_codes)),
        )
    };
    let mut progress = Progress::new(format!("{name} epochs"), epochs as u64);
    for epoch in 0..epochs {
        training.set_learning_rate(training::cosine_rate(base_rate, epoch, epochs));
        order.shuffle(&mut rng);
        for chunk in order.chunks(batch) {
            let rows = Tensor::<1, burn::tensor::Int>::from_data(
                TensorData::new(chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(), [chunk.len()]),
                device,
            );
            training.step(set.train_counts.clone().select(0, rows));
        }
        progress.inc(1);
        if (epoch + 1) % 10 == 0 || epoch + 1 == epochs {
            let (train_loss, test_loss, cosine, euclid) = report(&training.model());
            progress.println(format!(
                "{name} epoch {}/{epochs}: loss {train_loss:.3} train, {test_loss:.3} held out; precision@{K} by code {cosine:.3} (cosine), {euclid:.3} (Euclidean)",
                epoch + 1,
            ));
        }
    }
    let seconds = progress.finish();
    let path = training::weights_path(name);
    let (shipped, bytes) = training::ship(training.model(), config.init(device), &path)?;
    let (_, test_loss, cosine, euclid) = report(&shipped);
    println!(
        "wrote {} ({bytes} bytes): held-out loss {test_loss:.3}, precision@{K} by code {cosine:.3} (cosine), {euclid:.3} (Euclidean), {seconds:.0} s of training",
        path.display()
    );
    Ok(shipped)
}
