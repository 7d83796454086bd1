//! PixelRNN (van den Oord et al. 2016), the Row LSTM flavour: an image is a sequence of pixels
//! in raster order and each pixel's distribution depends only on the pixels before it, so the
//! model paints a digit pixel by pixel and its log-likelihood is exact.
//!
//! Why a Row LSTM rather than a Diagonal BiLSTM: its state at (i, j) is computed from the row
//! above only (a 3-wide convolution over that row's states), so training runs 28 sequential row
//! steps, each a batched matrix product over the whole row, instead of ~55 diagonal steps with a
//! skew and a second direction. On a CPU that is the difference between minutes and hours per
//! epoch. Its context is the triangle above a pixel (one more column either side per row up)
//! plus what the masked input window sees: the 3 rows above (11 columns wide) and the 5 pixels
//! to the left on the current row.
//!
//! Sampling carries the recurrent state forward ([`PixelSampler`]): a new pixel costs one cell
//! step and one head evaluation, never a pass over the image.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{log_sigmoid, log_softmax, relu, sigmoid, softmax, tanh};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::{SmallRng, StdRng};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::data::mnist::{Mnist, SIDE};
use crate::models::vae::binarise;

/// Rows above a pixel that its input window sees.
const ROWS_ABOVE: usize = 3;
/// Columns either side of a pixel that its input window sees.
const REACH: usize = 5;
const WINDOW_WIDTH: usize = 2 * REACH + 1;
/// Pixels in the masked input window: the full rows above, then the current row's left part
/// (the pixel itself and those after it are masked out). In raster order these are the first
/// `CONTEXT` cells of the `(ROWS_ABOVE + 1) × WINDOW_WIDTH` window, which is how both paths cut them.
pub const CONTEXT: usize = ROWS_ABOVE * WINDOW_WIDTH + REACH;

/// How a pixel's value is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PixelKind {
    /// Black or white: one logit, a Bernoulli distribution.
    Binary,
    /// One of this many evenly spaced grey levels: a softmax over the levels (pixels as classes).
    Levels(usize),
    /// The grey value as a number, fitted with squared error: the lecture's washed-out grey.
    /// Sampling takes the prediction (there is no distribution to draw from).
    Regression,
}

impl PixelKind {
    /// The page's names: `binary`, `levels4`, `regression`.
    pub fn name(self) -> String {
        match self {
            Self::Binary => "binary".into(),
            Self::Levels(levels) => format!("levels{levels}"),
            Self::Regression => "regression".into(),
        }
    }

    fn outputs(self) -> usize {
        match self {
            Self::Levels(levels) => levels,
            Self::Binary | Self::Regression => 1,
        }
    }

    /// Turns MNIST grey levels into what this model sees and paints: a fresh stochastic
    /// binarisation, the nearest of the grey levels, or the grey levels as they are.
    pub fn prepare(self, values: &mut [f32], rng: &mut SmallRng) {
        match self {
            Self::Binary => binarise(values, rng),
            Self::Levels(levels) => {
                let top = (levels - 1) as f32;
                values.iter_mut().for_each(|v| *v = (*v * top).round() / top);
            }
            Self::Regression => {}
        }
    }
}

impl std::str::FromStr for PixelKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "binary" => Ok(Self::Binary),
            "regression" => Ok(Self::Regression),
            _ => name
                .strip_prefix("levels")
                .and_then(|k| k.parse().ok())
                .filter(|&k: &usize| k >= 2)
                .map(Self::Levels)
                .ok_or_else(|| format!("unknown pixel model \"{name}\"")),
        }
    }
}

#[derive(Config, Debug)]
pub struct PixelRnnConfig {
    pub kind: PixelKind,
    /// Channels of the LSTM's state.
    #[config(default = 64)]
    pub state: usize,
    /// Width of the hidden layer of the per-pixel output head.
    #[config(default = 64)]
    pub head: usize,
    #[config(default = 28)]
    pub height: usize,
    #[config(default = 28)]
    pub width: usize,
}

impl PixelRnnConfig {
    /// The page's models (one per kind): 28×28, 64 state channels, a 64-wide head.
    pub fn shipped(kind: PixelKind) -> Self {
        Self::new(kind)
    }

    pub fn init(&self, device: &Device) -> PixelRnn {
        let gates = 4 * self.state;
        PixelRnn {
            input_to_state: LinearConfig::new(CONTEXT, gates).init(device),
            state_to_state: LinearConfig::new(3 * self.state, gates).with_bias(false).init(device),
            head: LinearConfig::new(self.state + CONTEXT, self.head).init(device),
            output: LinearConfig::new(self.head, self.kind.outputs()).init(device),
            kind: self.kind,
            height: self.height,
            width: self.width,
        }
    }
}

#[derive(Module, Debug)]
pub struct PixelRnn {
    /// The masked input window → the four gates.
    input_to_state: Linear,
    /// The states at (i−1, j−1), (i−1, j), (i−1, j+1) → the four gates.
    state_to_state: Linear,
    head: Linear,
    output: Linear,
    #[module(skip)]
    kind: PixelKind,
    #[module(skip)]
    height: usize,
    #[module(skip)]
    width: usize,
}

/// An LSTM state of one row: hidden `h` and cell `c`, `[batch, width, state]` each.
#[derive(Debug, Clone)]
struct RowState {
    hidden: Tensor<3>,
    cell: Tensor<3>,
}

impl PixelRnn {
    pub fn kind(&self) -> PixelKind {
        self.kind
    }

    pub fn size(&self) -> [usize; 2] {
        [self.height, self.width]
    }

    fn state_channels(&self) -> usize {
        self.state_to_state.weight.dims()[0] / 3
    }

    /// The outputs of every pixel of `images` (`[batch, height, width]`, values as
    /// [`PixelKind::prepare`] gives them): `[batch, height, width, outputs]`. Each pixel's outputs
    /// depend on the pixels before it in raster order only.
    pub fn forward(&self, images: Tensor<3>) -> Tensor<4> {
        let context = context_windows(images);
        let gates_in = self.input_to_state.forward(context.clone());
        let [batch, height, _, _] = gates_in.dims();
        let mut above = self.empty_row(batch, &gates_in.device());
        let mut rows = Vec::with_capacity(height);
        for i in 0..height {
            above = self.row_step(gates_in.clone().slice([0..batch, i..i + 1]).squeeze_dim(1), &above);
            rows.push(above.hidden.clone().unsqueeze_dim(1));
        }
        self.head_outputs(Tensor::cat(rows, 1), context)
    }

    fn empty_row(&self, batch: usize, device: &Device) -> RowState {
        let zeros = Tensor::zeros([batch, self.width, self.state_channels()], device);
        RowState { hidden: zeros.clone(), cell: zeros }
    }

    /// A whole row at once from the row above (training and priming).
    fn row_step(&self, gates_in: Tensor<3>, above: &RowState) -> RowState {
        let [batch, width, _] = gates_in.dims();
        let state = self.state_channels();
        let neighbours = neighbourhoods(above.hidden.clone()).reshape([batch * width, 3 * state]);
        let (hidden, cell) = self.cell(
            gates_in.reshape([batch * width, 4 * state]),
            neighbours,
            above.cell.clone().reshape([batch * width, state]),
        );
        RowState { hidden: hidden.reshape([batch, width, state]), cell: cell.reshape([batch, width, state]) }
    }

    /// The LSTM cell, shared by the row-at-once and the pixel-at-a-time paths: `[n, 4·state]` input
    /// gates, the `[n, 3·state]` hidden states above, the `[n, state]` cell above.
    fn cell(&self, gates_in: Tensor<2>, neighbours: Tensor<2>, cell_above: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let gates = gates_in + self.state_to_state.forward(neighbours);
        let [input, forget, output, candidate]: [Tensor<2>; 4] =
            gates.chunk(4, 1).try_into().expect("four gates");
        let cell = sigmoid(forget) * cell_above + sigmoid(input) * tanh(candidate);
        (sigmoid(output) * tanh(cell.clone()), cell)
    }

    /// The per-pixel head over the LSTM state and the input window (any leading shape).
    fn head_outputs<const D: usize>(&self, hidden: Tensor<D>, context: Tensor<D>) -> Tensor<D> {
        self.output.forward(relu(self.head.forward(Tensor::cat(vec![hidden, context], D - 1))))
    }

    /// Negative log-likelihood of each image, nats (squared error summed over pixels for the
    /// regression model): `[batch]`. `images` as [`PixelKind::prepare`] gives them.
    pub fn image_losses(&self, images: Tensor<3>) -> Tensor<1> {
        let outputs = self.forward(images.clone());
        let [batch, height, width, classes] = outputs.dims();
        let pixels = height * width;
        let targets = images.reshape([batch, pixels]);
        match self.kind {
            PixelKind::Binary => {
                let logits = outputs.reshape([batch, pixels]);
                let log_on = log_sigmoid(logits.clone());
                let log_off = log_sigmoid(logits.neg());
                -(targets.clone() * log_on + (targets.neg() + 1.0) * log_off).sum_dim(1).squeeze_dim(1)
            }
            PixelKind::Levels(levels) => {
                let classes_of = (targets * (levels - 1) as f64).round().int().reshape([batch * pixels, 1]);
                let log_probs = log_softmax(outputs.reshape([batch * pixels, classes]), 1);
                -log_probs.gather(1, classes_of).reshape([batch, pixels]).sum_dim(1).squeeze_dim(1)
            }
            PixelKind::Regression => {
                let predicted = sigmoid(outputs.reshape([batch, pixels]));
                (predicted - targets).powf_scalar(2.0).sum_dim(1).squeeze_dim(1)
            }
        }
    }

    /// The mean of [`Self::image_losses`]: `[1]`, the training loss.
    pub fn loss(&self, images: Tensor<3>) -> Tensor<1> {
        self.image_losses(images).mean()
    }

    /// One pixel's value and the probability the model gave it, from its head outputs
    /// `[batch, outputs]` and a uniform draw per image `[batch, 1]`: `([batch, 1], [batch, 1])`.
    /// `temperature` divides the logits (below 1 sharper, above 1 flatter).
    fn draw(&self, outputs: Tensor<2>, uniform: Tensor<2>, temperature: f64) -> (Tensor<2>, Tensor<2>) {
        match self.kind {
            PixelKind::Binary => {
                let on = sigmoid(outputs / temperature);
                let value = uniform.lower(on.clone()).float();
                let probability = value.clone() * on.clone() + (value.clone().neg() + 1.0) * (on.neg() + 1.0);
                (value, probability)
            }
            PixelKind::Levels(levels) => {
                let probabilities = softmax(outputs / temperature, 1);
                let below: Tensor<2, Int> = probabilities.clone().cumsum(1).lower(uniform.repeat_dim(1, levels)).int();
                let class = below.sum_dim(1).clamp_max((levels - 1) as i64);
                let probability = probabilities.gather(1, class.clone());
                (class.float() / (levels - 1) as f64, probability)
            }
            PixelKind::Regression => {
                let value = sigmoid(outputs);
                let certain = value.ones_like();
                (value, certain)
            }
        }
    }
}

/// The masked input window of every pixel: `[batch, height, width, CONTEXT]`, zeros (black)
/// outside the image.
fn context_windows(images: Tensor<3>) -> Tensor<4> {
    let [batch, height, width] = images.dims();
    let padded = padded_canvas(images);
    let cells: Vec<Tensor<4>> = (0..=ROWS_ABOVE)
        .flat_map(|r| (0..WINDOW_WIDTH).map(move |c| (r, c)))
        .take(CONTEXT)
        .map(|(r, c)| padded.clone().slice([0..batch, r..r + height, c..c + width]).unsqueeze_dim(3))
        .collect();
    Tensor::cat(cells, 3)
}

/// `images` with `ROWS_ABOVE` black rows on top and `REACH` black columns either side.
fn padded_canvas(images: Tensor<3>) -> Tensor<3> {
    let [batch, height, width] = images.dims();
    Tensor::zeros([batch, height + ROWS_ABOVE, width + 2 * REACH], &images.device()).slice_assign(
        [0..batch, ROWS_ABOVE..ROWS_ABOVE + height, REACH..REACH + width],
        images,
    )
}

/// For each column j of a row's hidden states `[batch, width, state]`, the states at j−1, j,
/// j+1 side by side (zeros past the edges): `[batch, width, 3·state]`.
fn neighbourhoods(hidden: Tensor<3>) -> Tensor<3> {
    let [batch, width, state] = hidden.dims();
    let edge = Tensor::zeros([batch, 1, state], &hidden.device());
    let padded = Tensor::cat(vec![edge.clone(), hidden, edge], 1);
    Tensor::cat((0..3).map(|k| padded.clone().slice([0..batch, k..k + width])).collect(), 2)
}

/// The uniform draws that sample an image of `pixels` pixels with `seed`, one per pixel in raster
/// order: every backend and the tests paint alike for a seed (StdRng is the same generator on
/// wasm32 and on 64-bit machines).
pub fn sampling_uniforms(seed: u64, pixels: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..pixels).map(|_| rng.random::<f32>()).collect()
}

/// Paints images pixel by pixel, carrying the LSTM state forward: each [`Self::step`] is one cell
/// step and one head evaluation on the device, and nothing is read back until [`Self::take`].
pub struct PixelSampler {
    model: PixelRnn,
    /// The images so far, padded as [`padded_canvas`] pads them: `[batch, H + 3, W + 10]`.
    canvas: Tensor<3>,
    /// The row above's states, its hidden states with a zero column either side (as the 3-wide
    /// convolution over them reads them): `[batch, W + 2, state]` and `[batch, W, state]`.
    above_hidden: Tensor<3>,
    above_cell: Tensor<3>,
    /// The current row's states, padded alike.
    row_hidden: Tensor<3>,
    row_cell: Tensor<3>,
    uniforms: Tensor<2>,
    temperature: f64,
    next: usize,
    /// Sampled values and their probabilities since the last [`Self::take`], `[batch, 2]` each.
    pending: Vec<Tensor<2>>,
}

impl PixelSampler {
    /// Samples one image per seed from nothing.
    pub fn new(model: PixelRnn, seeds: &[u64], temperature: f64, device: &Device) -> Self {
        let [height, width] = model.size();
        Self::completing(model, Tensor::zeros([seeds.len(), height, width], device), 0, seeds, temperature)
    }

    /// Keeps the first `visible_rows` rows of `images` (`[batch, H, W]`, prepared values) exactly
    /// and samples the rest, image b with `seeds[b]`: the visible rows are read in one
    /// row-at-once pass.
    pub fn completing(model: PixelRnn, images: Tensor<3>, visible_rows: usize, seeds: &[u64], temperature: f64) -> Self {
        let [batch, height, width] = images.dims();
        assert_eq!(batch, seeds.len(), "a seed per image");
        assert_eq!([height, width], model.size(), "images of the model's size");
        let visible_rows = visible_rows.min(height);
        let device = images.device();
        let kept = images.slice([0..batch, 0..visible_rows]);
        let known = Tensor::zeros([batch, height, width], &device).slice_assign([0..batch, 0..visible_rows], kept);
        let mut above = model.empty_row(batch, &device);
        if visible_rows > 0 {
            let gates_in = model.input_to_state.forward(context_windows(known.clone()));
            for i in 0..visible_rows {
                above = model.row_step(gates_in.clone().slice([0..batch, i..i + 1]).squeeze_dim(1), &above);
            }
        }
        let uniforms: Vec<f32> = seeds.iter().flat_map(|&seed| sampling_uniforms(seed, height * width)).collect();
        let uniforms = TensorData::new(uniforms, [batch, height * width]);
        let state = model.state_channels();
        let edge = Tensor::zeros([batch, 1, state], &device);
        Self {
            canvas: padded_canvas(known),
            above_hidden: Tensor::cat(vec![edge.clone(), above.hidden, edge], 1),
            above_cell: above.cell,
            row_hidden: Tensor::zeros([batch, width + 2, state], &device),
            row_cell: Tensor::zeros([batch, width, state], &device),
            uniforms: Tensor::from_data(uniforms, &device),
            temperature,
            next: visible_rows * width,
            pending: Vec::new(),
            model,
        }
    }

    pub fn kind(&self) -> PixelKind {
        self.model.kind()
    }

    /// Pixels painted so far (kept rows included), in raster order.
    pub fn painted(&self) -> usize {
        self.next
    }

    pub fn done(&self) -> bool {
        let [height, width] = self.model.size();
        self.next == height * width
    }

    /// Samples the next pixel of every image (nothing once done).
    pub fn step(&mut self) {
        if self.done() {
            return;
        }
        let [_, width] = self.model.size();
        let (i, j) = (self.next / width, self.next % width);
        let [batch, _, _] = self.canvas.dims();
        let state = self.model.state_channels();
        let context = self
            .canvas
            .clone()
            .slice([0..batch, i..i + ROWS_ABOVE + 1, j..j + WINDOW_WIDTH])
            .reshape([batch, (ROWS_ABOVE + 1) * WINDOW_WIDTH])
            .slice([0..batch, 0..CONTEXT]);
        let neighbours = self.above_hidden.clone().slice([0..batch, j..j + 3]).reshape([batch, 3 * state]);
        let cell_above = self.above_cell.clone().slice([0..batch, j..j + 1]).reshape([batch, state]);
        let (hidden, cell) = self.model.cell(self.model.input_to_state.forward(context.clone()), neighbours, cell_above);
        let outputs = self.model.head_outputs(hidden.clone(), context);
        let uniform = self.uniforms.clone().slice([0..batch, self.next..self.next + 1]);
        let (value, probability) = self.model.draw(outputs, uniform, self.temperature);

        self.canvas = self.canvas.clone().slice_assign(
            [0..batch, ROWS_ABOVE + i..ROWS_ABOVE + i + 1, REACH + j..REACH + j + 1],
            value.clone().reshape([batch, 1, 1]),
        );
        self.row_hidden =
            self.row_hidden.clone().slice_assign([0..batch, j + 1..j + 2], hidden.reshape([batch, 1, state]));
        self.row_cell = self.row_cell.clone().slice_assign([0..batch, j..j + 1], cell.reshape([batch, 1, state]));
        self.pending.push(Tensor::cat(vec![value, probability], 1));
        self.next += 1;
        if j + 1 == width {
            self.above_hidden = self.row_hidden.clone();
            self.above_cell = self.row_cell.clone();
        }
    }

    /// The pixels sampled since the last call, not yet read: `[batch, n, 2]` (value, probability),
    /// `None` if there are none.
    pub fn take(&mut self) -> Option<Tensor<3>> {
        if self.pending.is_empty() {
            return None;
        }
        let steps: Vec<Tensor<3>> = self.pending.drain(..).map(|s| s.unsqueeze_dim(1)).collect();
        Some(Tensor::cat(steps, 1))
    }

    /// The images as painted so far (unpainted pixels 0): `[batch, H, W]`.
    pub fn images(&self) -> Tensor<3> {
        let [batch, height, width] = self.canvas.dims();
        self.canvas.clone().slice([0..batch, ROWS_ABOVE..height, REACH..width - REACH])
    }
}

#[derive(Config, Debug)]
pub struct PixelRnnTrainingConfig {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 32)]
    pub batch_size: usize,
    /// Seeds the initial weights, the batches and their binarisation.
    #[config(default = 0)]
    pub seed: u64,
}

/// One Adam step at a time: the trainer and the tests call the same step.
pub struct PixelRnnTraining {
    model: PixelRnn,
    optimizer: ModuleOptimizer,
    config: PixelRnnTrainingConfig,
    rng: SmallRng,
    device: Device,
    steps: usize,
}

impl PixelRnnTraining {
    pub fn new(model: PixelRnn, config: PixelRnnTrainingConfig, device: &Device) -> Self {
        Self {
            model: model.fork(device).train(),
            optimizer: AdamConfig::new().init(),
            rng: SmallRng::seed_from_u64(config.seed),
            config,
            device: device.clone(),
            steps: 0,
        }
    }

    /// A fresh model whose initial weights depend only on `config.seed` ([`super::seeded`]).
    pub fn from_scratch(model: &PixelRnnConfig, config: PixelRnnTrainingConfig, device: &Device) -> Self {
        Self::new(super::seeded(config.seed, |cpu| model.init(cpu)), config, device)
    }

    /// One optimiser step on prepared `images` (`[batch, H, W]`); returns the batch's mean loss
    /// (nats per image), not yet read.
    pub fn step(&mut self, images: Tensor<3>) -> Tensor<1> {
        let loss = self.model.loss(images.to_device(&self.device));
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optimizer.step(self.config.learning_rate, self.model.clone(), grads);
        self.steps += 1;
        loss.detach()
    }

    /// A step on `batch_size` digits drawn at random from `data`, prepared for the model's kind.
    pub fn train_on(&mut self, data: &Mnist) -> Tensor<1> {
        let indices: Vec<usize> =
            (0..self.config.batch_size).map(|_| self.rng.random_range(0..data.len())).collect();
        let mut values = data.batch_values(&indices);
        self.model.kind().prepare(&mut values, &mut self.rng);
        self.step(Tensor::from_data(TensorData::new(values, [indices.len(), SIDE, SIDE]), &self.device))
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> PixelRnn {
        self.model.valid()
    }
}

/// Digits per chunk of [`test_loss`].
const TEST_CHUNK: usize = 250;

/// The mean loss over every digit of `data` (nats per image; squared error for the regression
/// model), `[1]` on the device. Digits are prepared for the model's kind from a generator seeded by
/// `seed` (for the binary model: binarised stochastically, a pixel on with probability its grey
/// level), so the figure repeats.
pub fn test_loss(model: &PixelRnn, data: &Mnist, seed: u64, device: &Device) -> Tensor<1> {
    assert!(!data.is_empty(), "a loss over no digits");
    let mut rng = SmallRng::seed_from_u64(seed);
    let indices: Vec<usize> = (0..data.len()).collect();
    let sums: Vec<Tensor<1>> = indices
        .chunks(TEST_CHUNK)
        .map(|chunk| {
            let mut values = data.batch_values(chunk);
            model.kind().prepare(&mut values, &mut rng);
            let images = Tensor::from_data(TensorData::new(values, [chunk.len(), SIDE, SIDE]), device);
            model.image_losses(images).sum()
        })
        .collect();
    Tensor::cat(sums, 0).sum() / data.len() as f64
}
