//! A small MNIST classifier, trained natively and shipped, that judges generated digits: how
//! confidently each sample reads as one digit, which digits appear (a GAN that mode-collapses
//! loses classes), and a classifier-based Inception Score.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::data::mnist::{Mnist, SIDE};
use crate::models::learner::Learner;

pub const CLASSES: usize = 10;

/// A decoded image "reads as a digit" when the classifier gives its top class at least this.
pub const READS_AS_DIGIT: f32 = 0.9;

/// Two 3×3 convolutions (each followed by ReLU and 2×2 max-pooling: 28 → 14 → 7), then a hidden
/// fully connected layer and 10 logits.
#[derive(Config, Debug)]
pub struct ClassifierConfig {
    #[config(default = "[16, 32]")]
    pub channels: [usize; 2],
    #[config(default = 64)]
    pub hidden: usize,
}

impl ClassifierConfig {
    /// The shipped classifier: 106k parameters.
    pub fn shipped() -> Self {
        Self::new()
    }

    pub fn init(&self, device: &Device) -> Classifier {
        let [c1, c2] = self.channels;
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
        };
        Classifier {
            conv1: conv(1, c1),
            conv2: conv(c1, c2),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            hidden: LinearConfig::new(c2 * 49, self.hidden).init(device),
            out: LinearConfig::new(self.hidden, CLASSES).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct Classifier {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    out: Linear,
}

impl Classifier {
    /// `[batch, 784]` in [0, 1] → logits `[batch, 10]`.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let batch = images.dims()[0];
        let x = images.reshape([batch, 1, SIDE, SIDE]);
        let x = self.pool.forward(relu(self.conv1.forward(x)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        let x = relu(self.hidden.forward(x.flatten::<2>(1, 3)));
        self.out.forward(x)
    }

    /// Class probabilities `[batch, 10]` for `[batch, 784]` images in [0, 1].
    pub fn probabilities(&self, images: Tensor<2>) -> Tensor<2> {
        softmax(self.forward(images), 1)
    }
}

/// Share of `data` classified correctly (native: reads back).
pub fn accuracy(model: &Classifier, data: &Mnist, device: &Device) -> f32 {
    const CHUNK: usize = 1000;
    let mut correct = 0;
    for start in (0..data.len()).step_by(CHUNK) {
        let indices: Vec<usize> = (start..(start + CHUNK).min(data.len())).collect();
        let predicted = model.forward(data.batch(&indices, device)).argmax(1);
        let predicted: Vec<i64> = predicted.into_data().iter::<i64>().collect();
        correct += indices.iter().zip(predicted).filter(|(&i, p)| i64::from(data.label(i)) == *p).count();
    }
    correct as f32 / data.len() as f32
}

/// What the classifier makes of a set of samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// How many samples are read as each digit (the most probable class).
    pub histogram: [usize; CLASSES],
    /// Of those, how many with at least the confidence threshold.
    pub confident: [usize; CLASSES],
    /// Share of samples whose most probable class has at least the threshold.
    pub confident_share: f32,
    /// Classes with at least `min_per_class` confident samples.
    pub coverage: usize,
    /// exp(E_x KL(p(y|x) ‖ p(y))): 1 when every sample says the same, 10 for confident samples
    /// spread evenly over the digits.
    pub inception_score: f32,
}

/// The most probable class of one row of class probabilities, and its probability.
pub fn top_class(row: &[f32]) -> (usize, f32) {
    let (class, &top) = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("a class per row");
    (class, top)
}

/// Judges samples from their class probabilities (`[n·10]`, row-major, as read back from
/// [`Classifier::probabilities`]): a sample is confident when its top class has at least
/// `threshold`; a class is covered with at least `min_per_class` confident samples.
pub fn judge(probabilities: &[f32], threshold: f32, min_per_class: usize) -> Judgement {
    let rows: Vec<&[f32]> = probabilities.chunks_exact(CLASSES).collect();
    let n = rows.len().max(1) as f32;
    let (mut histogram, mut confident) = ([0; CLASSES], [0; CLASSES]);
    let mut marginal = [0f32; CLASSES];
    for row in &rows {
        let (class, top) = top_class(row);
        histogram[class] += 1;
        if top >= threshold {
            confident[class] += 1;
        }
        for (m, p) in marginal.iter_mut().zip(row.iter()) {
            *m += p / n;
        }
    }
    // KL of each row to the marginal, skipping zero probabilities (0·log 0 = 0).
    let kl = |row: &[f32]| -> f32 {
        row.iter().zip(marginal).filter(|(p, _)| **p > 0.0).map(|(p, m)| p * (p / m.max(1e-12)).ln()).sum()
    };
    let mean_kl = rows.iter().map(|row| kl(row)).sum::<f32>() / n;
    Judgement {
        histogram,
        confident,
        confident_share: confident.iter().sum::<usize>() as f32 / n,
        coverage: confident.iter().filter(|&&c| c >= min_per_class.max(1)).count(),
        inception_score: mean_kl.exp(),
    }
}

/// Reads back the classifier's probabilities for `[batch, 784]` images in [0, 1] and judges them
/// (native and tests; the page reads back asynchronously and calls [`judge`]).
pub fn judge_images(
    model: &Classifier,
    images: Tensor<2>,
    threshold: f32,
    min_per_class: usize,
) -> Judgement {
    let probabilities: Vec<f32> = model.probabilities(images).into_data().iter::<f32>().collect();
    judge(&probabilities, threshold, min_per_class)
}

#[derive(Config, Debug)]
pub struct ClassifierTrainingConfig {
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 0)]
    pub seed: u64,
}

/// Adam on cross-entropy, one shuffled pass over the data per epoch.
pub struct ClassifierTraining {
    learner: Learner<Classifier>,
    config: ClassifierTrainingConfig,
    rng: SmallRng,
}

impl ClassifierTraining {
    pub fn new(model: Classifier, config: ClassifierTrainingConfig, device: &Device) -> Self {
        Self { learner: Learner::adam(model, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// One step on the digits at `indices`; returns the loss, not yet read.
    pub fn step(&mut self, data: &Mnist, indices: &[usize]) -> Tensor<1> {
        let images = data.batch(indices, self.learner.device());
        let labels: Vec<i64> = indices.iter().map(|&i| i64::from(data.label(i))).collect();
        let targets =
            Tensor::<1, Int>::from_data(TensorData::new(labels, [indices.len()]), self.learner.device());
        let loss = CrossEntropyLossConfig::new()
            .init(self.learner.device())
            .forward(self.learner.model().forward(images), targets);
        self.learner.update(&loss, self.config.learning_rate);
        loss.detach()
    }

    /// One pass over `data` in a fresh random order; returns the mean training loss.
    pub fn epoch(&mut self, data: &Mnist) -> f32 {
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.shuffle(&mut self.rng);
        let batches: Vec<&[usize]> = order.chunks(self.config.batch_size).collect();
        let mut total = 0.0;
        for batch in &batches {
            total += self.step(data, batch).into_scalar::<f32>();
        }
        total / batches.len() as f32
    }

    pub fn model(&self) -> Classifier {
        self.learner.valid()
    }

    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging_counts_classes_and_scores_spread() {
        let one_hot =
            |class: usize| -> Vec<f32> { (0..CLASSES).map(|c| if c == class { 1.0 } else { 0.0 }).collect() };
        // Confident and spread evenly over the ten digits: IS 10, full coverage.
        let spread: Vec<f32> = (0..20).flat_map(|i| one_hot(i % 10)).collect();
        let j = judge(&spread, 0.9, 2);
        assert_eq!(j.histogram, [2; CLASSES]);
        assert_eq!(j.coverage, 10);
        assert!((j.inception_score - 10.0).abs() < 1e-3 && j.confident_share == 1.0, "{j:?}");
        // Collapsed onto one digit: IS 1, one class covered.
        let collapsed: Vec<f32> = (0..20).flat_map(|_| one_hot(3)).collect();
        let j = judge(&collapsed, 0.9, 2);
        assert_eq!((j.histogram[3], j.coverage), (20, 1));
        assert!((j.inception_score - 1.0).abs() < 1e-3);
        // Undecided samples: counted in the histogram, never confident.
        let j = judge(&[0.1; 30], 0.9, 1);
        assert_eq!((j.histogram.iter().sum::<usize>(), j.coverage, j.confident_share), (3, 0, 0.0));
    }

    #[test]
    fn shapes() {
        let device = Device::flex();
        let model = ClassifierConfig::shipped().init(&device);
        let p = model.probabilities(Tensor::zeros([2, SIDE * SIDE], &device));
        assert_eq!(p.dims(), [2, CLASSES]);
        let sum: f32 = p.sum().into_scalar();
        assert!((sum - 2.0).abs() < 1e-4);
    }
}
