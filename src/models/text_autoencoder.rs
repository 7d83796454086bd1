//! Document retrieval by an auto-encoder's code (lecture 16, after Hinton & Salakhutdinov's
//! document codes): a document's bag of words goes in as log(1 + count), an MLP squeezes it into
//! a code, and a decoder rebuilds the document's word distribution with a softmax, trained on the
//! multinomial cross-entropy −Σ p(word)·log q(word). One module, two configs: a 2-D code for the
//! map and a wider one for search. Documents are compared by the cosine of their codes.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};

use crate::models::autoencoder::{mirrored_layers, run_layers};
use crate::retrieval::{matches, nearest, squared_distances};

#[derive(Config, Debug)]
pub struct TextAutoencoderConfig {
    /// Words in the bag.
    pub input: usize,
    /// Widths of the encoder's hidden layers; the decoder mirrors them.
    pub hidden: Vec<usize>,
    pub code: usize,
}

impl TextAutoencoderConfig {
    /// The search model `text-ae.bpk`: 2000-256-32.
    pub fn search(input: usize) -> Self {
        Self::new(input, vec![256], 32)
    }

    /// The map model `text-ae2d.bpk`: 2000-256-64-2.
    pub fn map_2d(input: usize) -> Self {
        Self::new(input, vec![256, 64], 2)
    }

    pub fn init(&self, device: &Device) -> TextAutoencoder {
        let (encoder, decoder) = mirrored_layers(self.input, &self.hidden, self.code, device);
        TextAutoencoder { encoder, decoder }
    }
}

#[derive(Module, Debug)]
pub struct TextAutoencoder {
    encoder: Vec<Linear>,
    decoder: Vec<Linear>,
}

impl TextAutoencoder {
    /// `[batch, words]` word counts → `[batch, code]`: log(1 + count) in, ReLU hidden layers, a
    /// linear code. The log keeps a word said five times from outweighing five different words.
    pub fn encode(&self, counts: Tensor<2>) -> Tensor<2> {
        run_layers(&self.encoder, counts.log1p())
    }

    /// `[batch, code]` → `[batch, words]` log-probabilities of each word.
    pub fn decode_log_probs(&self, codes: Tensor<2>) -> Tensor<2> {
        log_softmax(run_layers(&self.decoder, codes), 1)
    }

    /// Multinomial cross-entropy of each document's word distribution under its rebuild, in
    /// nats per word, averaged over the batch (documents without a bag word count 0).
    pub fn loss(&self, counts: Tensor<2>) -> Tensor<1> {
        let totals = counts.clone().sum_dim(1).clamp_min(1.0);
        let [batch, words] = counts.dims();
        let proportions = counts.clone() / totals.expand([batch, words]);
        -(proportions * self.decode_log_probs(self.encode(counts))).sum_dim(1).mean()
    }

    pub fn code_size(&self) -> usize {
        self.encoder.last().map_or(0, |l| l.weight.dims()[1])
    }

    pub fn input_size(&self) -> usize {
        self.encoder.first().map_or(0, |l| l.weight.dims()[0])
    }
}

#[derive(Config, Debug)]
pub struct TextAeTrainingConfig {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Share of a document's bag words dropped at each step (a denoising input): without it the
    /// net memorises the 1,692 training documents (measured in `train text-ae`).
    #[config(default = 0.0)]
    pub word_dropout: f64,
}

/// Adam on the multinomial loss.
pub struct TextAeTraining {
    model: TextAutoencoder,
    optim: ModuleOptimizer,
    config: TextAeTrainingConfig,
    device: Device,
}

impl TextAeTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: TextAutoencoder, config: TextAeTrainingConfig, device: &Device) -> Self {
        Self {
            model: model.fork(device).train(),
            optim: AdamConfig::new().init(),
            config,
            device: device.clone(),
        }
    }

    pub fn set_learning_rate(&mut self, rate: f64) {
        self.config.learning_rate = rate;
    }

    /// One step on `[batch, words]` counts; returns the loss (nothing read back).
    pub fn step(&mut self, counts: Tensor<2>) -> Tensor<1> {
        let counts = counts.to_device(&self.device);
        let input = if self.config.word_dropout > 0.0 {
            let keep =
                counts.random_like(burn::tensor::Distribution::Bernoulli(1.0 - self.config.word_dropout));
            counts.clone() * keep
        } else {
            counts.clone()
        };
        // Encode the thinned bag, rebuild the whole one.
        let totals = counts.clone().sum_dim(1).clamp_min(1.0);
        let [batch, words] = counts.dims();
        let proportions = counts / totals.expand([batch, words]);
        let log_probs = self.model.decode_log_probs(self.model.encode(input));
        let loss = -(proportions * log_probs).sum_dim(1).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(self.config.learning_rate, self.model.clone(), grads);
        loss.detach()
    }

    /// The model without gradients.
    pub fn model(&self) -> TextAutoencoder {
        self.model.valid()
    }
}

/// Rows scaled to unit length (zero rows stay zero), so that squared distance is 2 − 2·cosine.
pub fn unit_rows(vectors: Tensor<2>) -> Tensor<2> {
    let [n, d] = vectors.dims();
    let norms = vectors.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    vectors / norms.expand([n, d])
}

/// `[queries, index]` cosine distances (1 − cosine) between the rows of `queries` and `index`.
pub fn cosine_distances(queries: Tensor<2>, index: Tensor<2>) -> Tensor<2> {
    squared_distances(unit_rows(queries), unit_rows(index)) * 0.5
}

/// Precision@k by topic from read-back `[queries, index]` distances: the share of each query's
/// `k` nearest index documents that share its topic, over all queries.
pub fn topic_precision(distances: &[f32], query_topics: &[u8], index_topics: &[u8], k: usize) -> f32 {
    let found = nearest(distances, index_topics.len(), k);
    matches(&found, query_topics, index_topics) as f32 / (query_topics.len() * k).max(1) as f32
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn shapes_and_a_loss_that_falls() {
        let device = Device::flex();
        let config = TextAutoencoderConfig::new(12, vec![8], 2);
        let model = config.init(&device);
        let counts = Tensor::<2>::from_data(
            TensorData::new((0..48).map(|i| ((i * 7) % 3) as f32).collect::<Vec<f32>>(), [4, 12]),
            &device,
        );
        assert_eq!(model.encode(counts.clone()).dims(), [4, 2]);
        assert_eq!(model.decode_log_probs(model.encode(counts.clone())).dims(), [4, 12]);
        let before: f32 = model.loss(counts.clone()).into_scalar();
        let mut training =
            TextAeTraining::new(model, TextAeTrainingConfig::new().with_learning_rate(1e-2), &device);
        for _ in 0..50 {
            training.step(counts.clone());
        }
        let after: f32 = training.model().loss(counts).into_scalar();
        assert!(after < before - 0.1, "loss {before} → {after}");
    }

    #[test]
    fn cosine_distance_ignores_length() {
        let device = Device::flex();
        let rows = |v: Vec<f32>, n| Tensor::<2>::from_data(TensorData::new(v, [n, 2]), &device);
        let d: Vec<f32> = cosine_distances(rows(vec![1.0, 0.0], 1), rows(vec![5.0, 0.0, 0.0, 2.0], 2))
            .into_data()
            .try_to_vec()
            .unwrap();
        assert!(d[0].abs() < 1e-6 && (d[1] - 1.0).abs() < 1e-6, "{d:?}");
        assert_eq!(topic_precision(&d, &[3], &[3, 4], 1), 1.0);
    }
}
