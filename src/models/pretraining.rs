//! Greedy layer-wise pretraining (lecture 16): a sigmoid net 784→1000→500→250 is built one layer
//! at a time, each layer trained as an auto-encoder on the codes of the layers below it. The
//! first layer is wider than its input, so an L1 penalty on its 1000-D code keeps it from simply
//! copying the pixels. A 10-way softmax head then goes on top, and the whole net is fine-tuned
//! with only a few labelled digits, against the same net from random init and a ReLU net.

use burn::config::Config;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, SgdConfig};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::data::mnist::Mnist;
use crate::models::learner::{random_indices, Learner};
use crate::models::seeded;
use crate::models::vae::reconstruction_nats;

pub const CLASSES: usize = 10;

#[derive(Config, Debug)]
pub struct StackConfig {
    /// Input width, then each hidden layer's width.
    pub widths: Vec<usize>,
}

impl StackConfig {
    /// The lecture's 784→1000→500→250: 1.41M parameters, 2.8 MB of f16 weights.
    pub fn shipped() -> Self {
        Self::new(vec![784, 1000, 500, 250])
    }

    pub fn init(&self, device: &Device) -> Stack {
        Stack { layers: self.widths.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect() }
    }
}

/// The pretrained sigmoid layers, without a classifier head.
#[derive(Module, Debug)]
pub struct Stack {
    layers: Vec<Linear>,
}

impl Stack {
    /// The codes after the first `depth` layers (sigmoid units): `[batch, width]`.
    pub fn codes(&self, images: Tensor<2>, depth: usize) -> Tensor<2> {
        self.layers.iter().take(depth).fold(images, |x, layer| sigmoid(layer.forward(x)))
    }

    /// The top layer's codes.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.codes(images, self.layers.len())
    }

    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// `[width₁, 784]`: each first-layer unit's incoming weights, one row per unit.
    pub fn first_layer_filters(&self) -> Tensor<2> {
        incoming_weights(&self.layers[0])
    }
}

/// burn's `Linear` keeps its weight as `[inputs, outputs]`: the transpose has a row per unit.
fn incoming_weights(layer: &Linear) -> Tensor<2> {
    layer.weight.val().transpose()
}

/// The hidden units' non-linearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    Sigmoid,
    Relu,
}

/// Hidden layers and a 10-way head (logits; the softmax is in the loss).
#[derive(Module, Debug)]
pub struct DigitNet {
    hidden: Vec<Linear>,
    head: Linear,
    /// Not a parameter: it stays what the net was built with when weights are loaded into it.
    #[module(skip)]
    activation: Activation,
}

impl DigitNet {
    /// The pretrained sigmoid layers with a fresh head (the caller seeds it, e.g. via
    /// [`seeded`]).
    pub fn from_stack(stack: Stack, device: &Device) -> Self {
        let top = stack.layers.last().map_or(0, |l| l.weight.dims()[1]);
        let hidden = stack.fork(device).layers;
        Self { hidden, head: LinearConfig::new(top, CLASSES).init(device), activation: Activation::Sigmoid }
    }

    /// The same widths, every layer at burn's default random init.
    pub fn random(config: &StackConfig, activation: Activation, device: &Device) -> Self {
        let hidden = config.init(device).layers;
        let top = *config.widths.last().expect("at least the input width");
        Self { hidden, head: LinearConfig::new(top, CLASSES).init(device), activation }
    }

    /// `[batch, 784]` in [0, 1] → logits `[batch, 10]`.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let activate = |x: Tensor<2>| match self.activation {
            Activation::Sigmoid => sigmoid(x),
            Activation::Relu => relu(x),
        };
        let top = self.hidden.iter().fold(images, |x, layer| activate(layer.forward(x)));
        self.head.forward(top)
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// `[width₁, 784]`: each first-layer unit's incoming weights, one row per unit.
    pub fn first_layer_filters(&self) -> Tensor<2> {
        incoming_weights(&self.hidden[0])
    }
}

/// The labels of the digits at `indices`: `[batch]`.
pub fn labels_tensor(data: &Mnist, indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let labels: Vec<i64> = indices.iter().map(|&i| i64::from(data.label(i))).collect();
    Tensor::from_data(TensorData::new(labels, [indices.len()]), device)
}

/// How many of `images` the net classifies as `labels` say: a 1-element float tensor, not read.
pub fn correct(net: &DigitNet, images: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let predicted: Tensor<1, Int> = net.forward(images).argmax(1).squeeze_dim(1);
    predicted.equal(labels).int().sum().float()
}

/// Share of `data` classified correctly, in chunks of 1,000 (reads back synchronously: native
/// tools and tests, or a CPU device).
pub fn accuracy(net: &DigitNet, data: &Mnist, device: &Device) -> f32 {
    const CHUNK: usize = 1000;
    let mut right = 0.0;
    for start in (0..data.len()).step_by(CHUNK) {
        let indices: Vec<usize> = (start..(start + CHUNK).min(data.len())).collect();
        let count: f32 =
            correct(net, data.batch(&indices, device), labels_tensor(data, &indices, device)).into_scalar();
        right += count;
    }
    right / data.len().max(1) as f32
}

/// `count` indices of `data`, the same number of each digit (the first `count % 10` digits get
/// one more), drawn at random by `seed`; all of `data` when `count` reaches its size. Sorted.
pub fn labelled_subset(data: &Mnist, count: usize, seed: u64) -> Vec<usize> {
    if count >= data.len() {
        return (0..data.len()).collect();
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut by_digit: Vec<Vec<usize>> = vec![Vec::new(); CLASSES];
    for i in 0..data.len() {
        by_digit[usize::from(data.label(i))].push(i);
    }
    let mut chosen = Vec::with_capacity(count);
    for (digit, indices) in by_digit.iter_mut().enumerate() {
        let wanted = count / CLASSES + usize::from(digit < count % CLASSES);
        indices.shuffle(&mut rng);
        chosen.extend(indices.iter().take(wanted));
    }
    chosen.sort_unstable();
    chosen
}

/// A layer's auto-encoder: the stack's layer as encoder, a throw-away decoder back to its input.
#[derive(Module, Debug)]
struct LayerAutoencoder {
    encoder: Linear,
    decoder: Linear,
}

#[derive(Config, Debug)]
pub struct PretrainingConfig {
    #[config(default = 128)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Weight of the L1 norm of the code (summed over units, averaged over the batch) added to
    /// the reconstruction's cross-entropy in nats: what stops a layer wider than its input
    /// from copying it.
    #[config(default = 0.0)]
    pub l1_penalty: f64,
    /// Seeds the decoder's init and the batches.
    #[config(default = 0)]
    pub seed: u64,
}

/// Trains one layer of a stack as an auto-encoder on the codes of the (fixed) layers below it,
/// one Adam step at a time: sigmoid code, sigmoid reconstruction, cross-entropy with the input
/// (pixels or lower codes, all in [0, 1]).
pub struct LayerPretraining {
    stack: Stack,
    layer: usize,
    autoencoder: Learner<LayerAutoencoder>,
    config: PretrainingConfig,
    rng: SmallRng,
}

impl LayerPretraining {
    /// Trains layer `layer` (0 = the one on the pixels) of `stack`, starting from its weights.
    pub fn new(stack: &Stack, layer: usize, config: PretrainingConfig, device: &Device) -> Self {
        let stack = stack.clone().fork(device).valid();
        let encoder = stack.layers[layer].clone();
        let [inputs, outputs] = encoder.weight.dims();
        let decoder = seeded(config.seed, |d| LinearConfig::new(outputs, inputs).init(d));
        Self {
            autoencoder: Learner::adam(LayerAutoencoder { encoder, decoder }, device),
            stack,
            layer,
            rng: SmallRng::seed_from_u64(config.seed),
            config,
        }
    }

    /// One step on a random batch of `data`; returns the loss (nats + penalty), not yet read.
    pub fn step(&mut self, data: &Mnist) -> Tensor<1> {
        let indices = random_indices(&mut self.rng, self.config.batch_size, data.len());
        let input = self.stack.codes(data.batch(&indices, self.autoencoder.device()), self.layer);
        let autoencoder = self.autoencoder.model();
        let code = sigmoid(autoencoder.encoder.forward(input.clone()));
        let mut loss = reconstruction_nats(autoencoder.decoder.forward(code.clone()), input).mean();
        if self.config.l1_penalty > 0.0 {
            // Sigmoid codes are positive: their sum is their L1 norm.
            loss = loss + code.sum_dim(1).mean() * self.config.l1_penalty;
        }
        self.autoencoder.update(&loss, self.config.learning_rate);
        loss.detach()
    }

    /// The stack with the layer as trained so far (inference: no gradient tracking).
    pub fn stack(&self) -> Stack {
        let mut stack = self.stack.clone();
        stack.layers[self.layer] = self.autoencoder.model().encoder.valid();
        stack
    }

    /// The layer's reconstruction of its input from its code, `[batch, input width]`.
    pub fn reconstruct(&self, images: Tensor<2>) -> Tensor<2> {
        let autoencoder = self.autoencoder.valid();
        let code = sigmoid(autoencoder.encoder.forward(self.stack.codes(images, self.layer)));
        sigmoid(autoencoder.decoder.forward(code))
    }

    pub fn steps(&self) -> usize {
        self.autoencoder.steps()
    }

    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }
}

/// How the fine-tuning moves the weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimiser {
    /// Plain SGD with momentum (no dampening), as in the old recipe.
    Sgd {
        momentum: f64,
    },
    Adam,
}

#[derive(Config, Debug)]
pub struct FineTuningConfig {
    #[config(default = "Optimiser::Adam")]
    pub optimiser: Optimiser,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Digits per step, drawn from the labelled ones without repeats; all of them when there
    /// are no more than this.
    #[config(default = 100)]
    pub batch_size: usize,
    /// How many steps a run takes (the caller loops; there is no early stopping).
    #[config(default = 300)]
    pub steps: usize,
    /// Seeds the batches.
    #[config(default = 0)]
    pub seed: u64,
}

impl FineTuningConfig {
    /// The table's fine-tuning with `labels` labelled digits (the same for all three nets):
    /// Adam at 1e-3, fixed steps and no early stopping. 100 labels: 300 full-batch steps; 1,000:
    /// 1,000 steps of 100; more: two passes in steps of 100. SGD with momentum was measured too
    /// (100 labels, 2 seeds: at lr 0.03 / 0.1 / 0.3 the random sigmoid net reached 66.6 / 49.2 /
    /// 61.9 % where Adam gives it 70.5 %; the pretrained one 74.6 % at each): Adam treats the
    /// random net best.
    pub fn for_labels(labels: usize, seed: u64) -> Self {
        let (batch_size, steps) = match labels {
            0..=100 => (100, 300),
            101..=1000 => (100, 1000),
            _ => (100, 2 * labels.div_ceil(100)),
        };
        Self::new().with_batch_size(batch_size).with_steps(steps).with_seed(seed)
    }
}

/// The three starts the few-labels table compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// The pretrained sigmoid stack with a fresh head.
    Pretrained,
    /// The same sigmoid net from random init.
    Random,
    /// The modern baseline: the same widths with ReLU units, from random init.
    ReluAdam,
}

/// The table's columns, in order.
pub const ARMS: [Arm; 3] = [Arm::Pretrained, Arm::Random, Arm::ReluAdam];

impl Arm {
    /// The arm's key in `pretraining-table.json`.
    pub fn key(self) -> &'static str {
        match self {
            Arm::Pretrained => "pretrained",
            Arm::Random => "random",
            Arm::ReluAdam => "relu_adam",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Arm::Pretrained => "pretrained sigmoid",
            Arm::Random => "random-init sigmoid",
            Arm::ReluAdam => "ReLU + Adam",
        }
    }

    pub fn activation(self) -> Activation {
        match self {
            Arm::Pretrained | Arm::Random => Activation::Sigmoid,
            Arm::ReluAdam => Activation::Relu,
        }
    }

    /// The arm's net before fine-tuning, its fresh weights drawn by `seed` on the CPU (so every
    /// backend starts alike): `stack` with a new head, or a random init of the shipped widths.
    pub fn initial_net(self, stack: &Stack, seed: u64) -> DigitNet {
        match self {
            Arm::Pretrained => seeded(seed, |d| DigitNet::from_stack(stack.clone(), d)),
            other => seeded(seed, |d| DigitNet::random(&StackConfig::shipped(), other.activation(), d)),
        }
    }
}

/// How the table fine-tunes `arm` with `labels` labelled digits (seed 0: set the batches' seed
/// with `with_seed`). The same for all three arms, so that only the start differs.
pub fn fine_tuning_config(_arm: Arm, labels: usize) -> FineTuningConfig {
    FineTuningConfig::for_labels(labels, 0)
}

/// Cross-entropy fine-tuning of a whole [`DigitNet`] on labelled digits, a step at a time.
pub struct FineTuning {
    net: Learner<DigitNet>,
    config: FineTuningConfig,
    rng: SmallRng,
}

impl FineTuning {
    /// Trains `net` (forked onto `device`, with gradients on).
    pub fn new(net: DigitNet, config: FineTuningConfig, device: &Device) -> Self {
        let optimizer = match config.optimiser {
            Optimiser::Sgd { momentum } => SgdConfig::new()
                .with_momentum(Some(MomentumConfig::new().with_momentum(momentum).with_dampening(0.0)))
                .init(),
            Optimiser::Adam => AdamConfig::new().init(),
        };
        Self { net: Learner::new(net, optimizer, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// One step on a batch of the digits of `data` at `labelled`; returns the batch's mean
    /// cross-entropy, not yet read.
    pub fn step(&mut self, data: &Mnist, labelled: &[usize]) -> Tensor<1> {
        let batch: Vec<usize> = if labelled.len() <= self.config.batch_size {
            labelled.to_vec()
        } else {
            labelled.choose_multiple(&mut self.rng, self.config.batch_size).copied().collect()
        };
        let device = self.net.device();
        let logits = self.net.model().forward(data.batch(&batch, device));
        let targets = labels_tensor(data, &batch, device);
        let loss = CrossEntropyLossConfig::new().init(device).forward(logits, targets);
        self.net.update(&loss, self.config.learning_rate);
        loss.detach()
    }

    /// The current weights for inference (no gradient tracking).
    pub fn net(&self) -> DigitNet {
        self.net.valid()
    }

    pub fn steps(&self) -> usize {
        self.net.steps()
    }

    /// Whether the configured number of steps has been taken.
    pub fn done(&self) -> bool {
        self.net.steps() >= self.config.steps
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::mnist::tests::synthetic;
    use crate::data::mnist::PIXELS;

    fn small() -> StackConfig {
        StackConfig::new(vec![PIXELS, 32, 16, 8])
    }

    #[test]
    fn shapes_follow_the_widths() {
        let device = Device::flex();
        let stack = small().init(&device);
        let images = Tensor::<2>::zeros([3, PIXELS], &device);
        assert_eq!(stack.forward(images.clone()).dims(), [3, 8]);
        assert_eq!(stack.codes(images.clone(), 1).dims(), [3, 32]);
        assert_eq!(stack.first_layer_filters().dims(), [32, PIXELS]);
        let net = DigitNet::from_stack(stack, &device);
        assert_eq!(net.forward(images.clone()).dims(), [3, CLASSES]);
        assert_eq!(net.first_layer_filters().dims(), [32, PIXELS]);
        let relu_net = DigitNet::random(&small(), Activation::Relu, &device);
        assert_eq!(
            (relu_net.forward(images).dims(), relu_net.activation()),
            ([3, CLASSES], Activation::Relu)
        );
    }

    #[test]
    fn the_activation_survives_loading_weights() {
        let device = Device::flex();
        let net = DigitNet::random(&small(), Activation::Relu, &device);
        let bytes = crate::weights::to_bytes_exact(net);
        let loaded =
            crate::weights::load(DigitNet::random(&small(), Activation::Relu, &device), &bytes, "net.bpk")
                .unwrap();
        assert_eq!(loaded.activation(), Activation::Relu);
    }

    #[test]
    fn the_labelled_subset_is_balanced_and_depends_on_the_seed() {
        let data = Mnist::parse(&synthetic(200), "synthetic").unwrap();
        let subset = labelled_subset(&data, 23, 1);
        assert_eq!(subset.len(), 23);
        let mut per_digit = [0; CLASSES];
        subset.iter().for_each(|&i| per_digit[usize::from(data.label(i))] += 1);
        assert_eq!(per_digit, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
        assert_ne!(subset, labelled_subset(&data, 23, 2));
        assert_eq!(labelled_subset(&data, 500, 1).len(), 200);
    }

    #[test]
    fn correct_counts_right_answers() {
        let device = Device::flex();
        let net = DigitNet::random(&small(), Activation::Sigmoid, &device);
        let images = Tensor::<2>::ones([4, PIXELS], &device);
        // The same image four times: one predicted class, so labels equal to it score 4.
        let predicted: i64 = net.forward(images.clone()).argmax(1).into_data().iter::<i64>().next().unwrap();
        let labels = |v: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v, [4]), &device);
        let other = (predicted + 1) % 10;
        let all: f32 = correct(&net, images.clone(), labels(vec![predicted; 4])).into_scalar();
        let half: f32 = correct(&net, images, labels(vec![predicted, other, predicted, other])).into_scalar();
        assert_eq!((all, half), (4.0, 2.0));
    }

    #[test]
    fn a_few_fine_tuning_steps_lower_the_loss() {
        let device = Device::flex();
        // Each digit class lights its own band of pixels: learnable in a few steps.
        let labels: Vec<u8> = (0..60).map(|i| (i % CLASSES) as u8).collect();
        let pixels: Vec<u8> = labels
            .iter()
            .flat_map(|&l| (0..PIXELS).map(move |p| if p / 78 == usize::from(l) { 255 } else { 0 }))
            .collect();
        let data = Mnist::from_parts(pixels, labels);
        let net = seeded(5, |d| DigitNet::random(&small(), Activation::Relu, d));
        let mut tuning =
            FineTuning::new(net, FineTuningConfig::new().with_batch_size(20).with_seed(3), &device);
        let labelled = labelled_subset(&data, 40, 0);
        let first: f32 = tuning.step(&data, &labelled).into_scalar();
        let mut last = first;
        for _ in 0..60 {
            last = tuning.step(&data, &labelled).into_scalar();
        }
        assert_eq!(tuning.steps(), 61);
        assert!(last < first * 0.7, "loss {first} → {last}");
    }

    #[test]
    fn layer_pretraining_lowers_the_reconstruction_loss_of_an_upper_layer() {
        let device = Device::flex();
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let stack = seeded(6, |d| small().init(d));
        let mut training =
            LayerPretraining::new(&stack, 1, PretrainingConfig::new().with_batch_size(16), &device);
        let first: f32 = training.step(&data).into_scalar();
        let mut last = first;
        for _ in 0..40 {
            last = training.step(&data).into_scalar();
        }
        assert!(last < first, "loss {first} → {last}");
        // Only the trained layer changed.
        let trained = training.stack();
        let difference =
            |a: &Linear, b: &Linear| -> f32 { (a.weight.val() - b.weight.val()).abs().max().into_scalar() };
        assert_eq!(difference(&trained.layers[0], &stack.layers[0]), 0.0);
        assert!(difference(&trained.layers[1], &stack.layers[1]) > 0.0);
    }
}
