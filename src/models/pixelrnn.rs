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
//! Layers stack (van den Oord et al.'s residual Row LSTM): layer ℓ > 1 reads the layer below's
//! outputs at (i, j−2), (i, j−1), (i, j) of the same row — they depend only on pixels before
//! (i, j) — and adds its own hidden state to them. Each added layer widens the left context on the
//! current row by two pixels and gives the model depth where one layer had to do everything.
//!
//! A labelled model adds a learned embedding of the digit's label to the first layer's gates at
//! every pixel (with `label_everywhere`, to every layer's gates and to the head's hidden layer, so
//! the label need not pass through the first layer's state to steer the strokes above it): it
//! models p(x | y). Unlabelled, it is the mixture p(x) = ⅒ Σ_y p(x | y): a
//! painting of "any digit" draws y uniformly (MNIST's classes are within 1 % of a tenth each)
//! and then paints p(x | y) — an exact sample of the mixture — and its likelihood is exact too
//! (ten passes, one per label; [`PixelRnn::image_losses`]).
//!
//! Sampling carries the recurrent state forward ([`PixelSampler`]): a new pixel costs one cell
//! step per layer and one head evaluation, never a pass over the image. A Row LSTM's
//! state-to-state part depends on the row above only, so the sampler computes it once per row
//! for all 28 columns, and a pixel adds just its input window's product (3–4× faster painting
//! than one product per pixel; `cargo test --release --test pixelrnn paint_timing -- --ignored
//! --nocapture` times it).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::tensor::activation::{log_sigmoid, log_softmax, relu, sigmoid, softmax, tanh};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::{SmallRng, StdRng};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use std::path::Path;

use crate::data::mnist::{Mnist, SIDE};
use crate::error::FileError;
use crate::models::learner::{random_indices, Learner};
use crate::models::vae::binarise;
use crate::weights;

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
    /// Row LSTM layers, stacked with residual connections.
    #[config(default = 1)]
    pub layers: usize,
    /// Conditioned on the digit's label (see the module doc).
    #[config(default = false)]
    pub labelled: bool,
    /// A labelled model's label reaches every layer's gates and the head's hidden layer, not
    /// only the first layer's gates (see the module doc).
    #[config(default = false)]
    pub label_everywhere: bool,
    #[config(default = 28)]
    pub height: usize,
    #[config(default = 28)]
    pub width: usize,
}

impl PixelRnnConfig {
    /// The page's models (one per kind). The grey-level pair: one layer of 64 state channels and a
    /// 64-wide head, enough to show what classes do. The binary model, the one that must paint
    /// digits: see [`SHIPPED_BINARY_LAYERS`] and [`SHIPPED_BINARY_STATE`].
    pub fn shipped(kind: PixelKind) -> Self {
        match kind {
            PixelKind::Binary => Self::new(kind)
                .with_layers(SHIPPED_BINARY_LAYERS)
                .with_state(SHIPPED_BINARY_STATE)
                .with_head(SHIPPED_BINARY_STATE)
                .with_labelled(true),
            PixelKind::Levels(_) | PixelKind::Regression => Self::new(kind),
        }
    }

    pub fn init(&self, device: &Device) -> PixelRnn {
        assert!(self.layers >= 1, "a PixelRNN has at least one layer");
        let gates = 4 * self.state;
        PixelRnn {
            input_to_state: LinearConfig::new(CONTEXT, gates).init(device),
            state_to_state: LinearConfig::new(3 * self.state, gates).with_bias(false).init(device),
            upper: (1..self.layers)
                .map(|_| RowLstmLayer {
                    input_to_state: LinearConfig::new(3 * self.state, gates).init(device),
                    state_to_state: LinearConfig::new(3 * self.state, gates).with_bias(false).init(device),
                })
                .collect(),
            label_to_state: self.labelled.then(|| {
                let reach = match self.label_everywhere {
                    true => self.layers * gates + self.head,
                    false => gates,
                };
                EmbeddingConfig::new(LABELS, reach).init(device)
            }),
            head: LinearConfig::new(self.state + CONTEXT, self.head).init(device),
            output: LinearConfig::new(self.head, self.kind.outputs()).init(device),
            kind: self.kind,
            height: self.height,
            width: self.width,
        }
    }
}

/// Layers of the shipped binary model: measured (README) against one and three.
pub const SHIPPED_BINARY_LAYERS: usize = 2;
/// State channels of each layer of the shipped binary model.
pub const SHIPPED_BINARY_STATE: usize = 64;
/// Digits a labelled model knows.
pub const LABELS: usize = 10;

#[derive(Module, Debug)]
pub struct PixelRnn {
    /// The first layer (its fields keep the names the one-layer models were saved with): the
    /// masked input window → the four gates.
    input_to_state: Linear,
    /// The first layer's states at (i−1, j−1), (i−1, j), (i−1, j+1) → the four gates.
    state_to_state: Linear,
    /// Layers 2, 3, …
    upper: Vec<RowLstmLayer>,
    /// A labelled model's label → a bias on the first layer's gates, or (`label_everywhere`) on
    /// every layer's gates and the head's hidden layer, side by side in one embedding.
    label_to_state: Option<Embedding>,
    head: Linear,
    output: Linear,
    #[module(skip)]
    kind: PixelKind,
    #[module(skip)]
    height: usize,
    #[module(skip)]
    width: usize,
}

/// A Row LSTM layer above the first.
#[derive(Module, Debug)]
struct RowLstmLayer {
    /// The layer below's outputs at (i, j−2), (i, j−1), (i, j) → the four gates.
    input_to_state: Linear,
    /// This layer's states at (i−1, j−1), (i−1, j), (i−1, j+1) → the four gates.
    state_to_state: Linear,
}

/// An LSTM state of one row: hidden `h` and cell `c`, `[batch, width, state]` each.
#[derive(Debug, Clone)]
struct RowState {
    hidden: Tensor<3>,
    cell: Tensor<3>,
}

/// The labels a labelled model is given: `[batch]`.
pub type Labels = Tensor<1, Int>;

impl PixelRnn {
    pub fn kind(&self) -> PixelKind {
        self.kind
    }

    pub fn size(&self) -> [usize; 2] {
        [self.height, self.width]
    }

    /// Whether the model paints a chosen digit (see the module doc).
    pub fn labelled(&self) -> bool {
        self.label_to_state.is_some()
    }

    fn state_channels(&self) -> usize {
        self.state_to_state.weight.dims()[0] / 3
    }

    /// Whether the label reaches every layer and the head (the embedding is wider than one
    /// layer's gates).
    fn label_everywhere(&self) -> bool {
        self.label_to_state
            .as_ref()
            .is_some_and(|embedding| embedding.weight.dims()[1] > 4 * self.state_channels())
    }

    /// Layer `k`'s share of a label bias from [`Self::label_gates`]: `[batch, 4·state]`.
    fn label_layer_bias(&self, bias: Option<&Tensor<2>>, k: usize) -> Option<Tensor<2>> {
        let gates = 4 * self.state_channels();
        match bias {
            Some(bias) if k == 0 || self.label_everywhere() => Some(bias.clone().narrow(1, k * gates, gates)),
            _ => None,
        }
    }

    /// The head's share of a label bias, `[batch, head]`, when the label reaches the head.
    fn label_head_bias(&self, bias: Option<&Tensor<2>>) -> Option<Tensor<2>> {
        let start = 4 * self.state_channels() * (1 + self.upper.len());
        match bias {
            Some(bias) if self.label_everywhere() => {
                Some(bias.clone().narrow(1, start, self.head.weight.dims()[1]))
            }
            _ => None,
        }
    }

    /// The outputs of every pixel of `images` (`[batch, height, width]`, values as
    /// [`PixelKind::prepare`] gives them), given each image's label if the model is labelled:
    /// `[batch, height, width, outputs]`. Each pixel's outputs depend on the pixels before it in
    /// raster order only.
    pub fn forward(&self, images: Tensor<3>, labels: Option<Labels>) -> Tensor<4> {
        let context = context_windows(images);
        let [batch, height, _, _] = context.dims();
        let label_bias = self.label_gates(labels, batch);
        let (top, _) = self.stack_rows(context.clone(), label_bias.as_ref(), height);
        self.head_outputs(top, context, self.label_head_bias(label_bias.as_ref()))
    }

    /// Every layer over the first `rows` rows at once, from the input windows `context`
    /// (`[batch, H, W, CONTEXT]`) and a labelled model's bias: the top layer's outputs
    /// `[batch, rows, W, state]` and each layer's last row state (what painting carries on from).
    fn stack_rows(
        &self,
        context: Tensor<4>,
        label_bias: Option<&Tensor<2>>,
        rows: usize,
    ) -> (Tensor<4>, Vec<RowState>) {
        let mut lasts = Vec::with_capacity(1 + self.upper.len());
        let mut below: Option<Tensor<4>> = None;
        for k in 0..1 + self.upper.len() {
            let (input_to_state, state_to_state) = self.layer(k);
            let mut gates_in = match &below {
                None => input_to_state.forward(context.clone()),
                Some(below) => input_to_state.forward(left_windows(below.clone())),
            };
            if let Some(bias) = self.label_layer_bias(label_bias, k) {
                gates_in = gates_in + bias.unsqueeze_dims(&[1, 2]);
            }
            let (hidden, last) = self.rows(state_to_state, gates_in, rows);
            // Layers above the first add their state to the output below (residual).
            below = Some(match below {
                None => hidden,
                Some(below) => below + hidden,
            });
            lasts.push(last);
        }
        (below.expect("at least one layer"), lasts)
    }

    /// A labelled model's bias for `labels`: `[batch, 4·state]` (the first layer's gates), or with
    /// the label everywhere `[batch, layers·4·state + head]`; `None` for an unlabelled model.
    fn label_gates(&self, labels: Option<Labels>, batch: usize) -> Option<Tensor<2>> {
        match (&self.label_to_state, labels) {
            (Some(embedding), Some(labels)) => {
                assert_eq!(labels.dims()[0], batch, "a label per image");
                Some(embedding.forward(labels.unsqueeze_dim(1)).squeeze_dim(1))
            }
            (None, None) => None,
            (Some(_), None) => panic!("a labelled model paints a given label"),
            (None, Some(_)) => panic!("an unlabelled model takes no labels"),
        }
    }

    /// A copy of this model with one more residual Row LSTM layer on top whose candidate weights
    /// are zero: its cell stays zero, so it adds nothing and the model scores and paints exactly
    /// as before until training moves it (how a trained model grows deeper). Its gates start
    /// from a fresh init drawn with `seed`, so the layer's channels differ once it learns.
    // Native only: the trainer grows models; the page's wasm has no room to spare (docs/figures.md).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_layer_added(mut self, seed: u64) -> Self {
        assert!(!self.label_everywhere(), "a model with the label everywhere cannot grow a layer");
        let state = self.state_channels();
        let gates = 4 * state;
        let candidate = 3 * state..gates;
        let zero_candidate = |mut linear: Linear| {
            linear.weight = linear.weight.map(|weight| {
                let rows = weight.dims()[0];
                let zeros = Tensor::zeros([rows, state], &weight.device());
                weight.slice_assign([0..rows, candidate.clone()], zeros)
            });
            linear.bias = linear.bias.map(|bias| {
                bias.map(|bias| {
                    let zeros = Tensor::zeros([state], &bias.device());
                    bias.slice_assign([candidate.clone()], zeros)
                })
            });
            linear
        };
        let device = self.head.weight.device();
        let layer = super::seeded(seed, |cpu| RowLstmLayer {
            input_to_state: zero_candidate(LinearConfig::new(3 * state, gates).init(cpu)),
            state_to_state: zero_candidate(LinearConfig::new(3 * state, gates).with_bias(false).init(cpu)),
        });
        self.upper.push(layer.to_device(&device));
        self
    }

    /// Layer `k`'s input-to-state and state-to-state maps (0 is the first layer).
    fn layer(&self, k: usize) -> (&Linear, &Linear) {
        match k {
            0 => (&self.input_to_state, &self.state_to_state),
            _ => (&self.upper[k - 1].input_to_state, &self.upper[k - 1].state_to_state),
        }
    }

    /// What layer `k`'s gates on a row get from outside the row, for every column: the
    /// state-to-state product over the row above's hidden states `[batch, W, state]`, the
    /// input-to-state bias and the layer's share of `label_gates` (see [`Self::label_gates`]).
    fn gates_from_above(&self, k: usize, above: Tensor<3>, label_gates: Option<&Tensor<2>>) -> Tensor<3> {
        let (input_to_state, state_to_state) = self.layer(k);
        let mut gates = state_to_state.forward(neighbourhoods(above));
        if let Some(bias) = &input_to_state.bias {
            gates = gates + bias.val().unsqueeze_dims(&[0, 1]);
        }
        match self.label_layer_bias(label_gates, k) {
            Some(label) => gates + label.unsqueeze_dim(1),
            None => gates,
        }
    }

    /// One layer's first `rows` rows at once from their input gates `[batch, H, W, 4·state]`: the
    /// hidden states `[batch, rows, W, state]` and the last row's state.
    fn rows(&self, state_to_state: &Linear, gates_in: Tensor<4>, rows: usize) -> (Tensor<4>, RowState) {
        let [batch, _, width, _] = gates_in.dims();
        let mut above = self.empty_row(batch, width, &gates_in.device());
        let mut hidden = Vec::with_capacity(rows);
        for i in 0..rows {
            above =
                row_step(state_to_state, gates_in.clone().slice([0..batch, i..i + 1]).squeeze_dim(1), &above);
            hidden.push(above.hidden.clone().unsqueeze_dim(1));
        }
        (Tensor::cat(hidden, 1), above)
    }

    fn empty_row(&self, batch: usize, width: usize, device: &Device) -> RowState {
        let zeros = Tensor::zeros([batch, width, self.state_channels()], device);
        RowState { hidden: zeros.clone(), cell: zeros }
    }

    /// The per-pixel head over the top layer's output and the input window (any leading shape,
    /// the batch first), with the label's bias `[batch, head]` on its hidden layer if it has one.
    fn head_outputs<const D: usize>(
        &self,
        hidden: Tensor<D>,
        context: Tensor<D>,
        label: Option<Tensor<2>>,
    ) -> Tensor<D> {
        let mut inner = self.head.forward(Tensor::cat(vec![hidden, context], D - 1));
        if let Some(label) = label {
            let [batch, width] = label.dims();
            let mut shape = [1; D];
            (shape[0], shape[D - 1]) = (batch, width);
            inner = inner + label.reshape(shape);
        }
        self.output.forward(relu(inner))
    }

    /// Negative log-likelihood of each image, nats (squared error summed over pixels for the
    /// regression model): `[batch]`. `images` as [`PixelKind::prepare`] gives them. A labelled
    /// model given `None` scores the mixture over the labels, −log ⅒ Σ_y p(x | y).
    pub fn image_losses(&self, images: Tensor<3>, labels: Option<Labels>) -> Tensor<1> {
        if self.labelled() && labels.is_none() {
            return self.mixture_losses(images);
        }
        let outputs = self.forward(images.clone(), labels);
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

    /// −log ⅒ Σ_y p(x | y) per image, one pass per label, summed stably from the smallest loss.
    fn mixture_losses(&self, images: Tensor<3>) -> Tensor<1> {
        let [batch, _, _] = images.dims();
        let device = images.device();
        let per_label: Vec<Tensor<2>> = (0..LABELS)
            .map(|label| {
                let labels = Tensor::full([batch], label as i64, &device);
                self.image_losses(images.clone(), Some(labels)).unsqueeze_dim(1)
            })
            .collect();
        let losses = Tensor::cat(per_label, 1);
        let smallest = losses.clone().min_dim(1);
        let share = (smallest.clone() - losses).exp().sum_dim(1) / LABELS as f64;
        (smallest - share.log()).squeeze_dim(1)
    }

    /// The mean of [`Self::image_losses`]: `[1]`, the training loss.
    pub fn loss(&self, images: Tensor<3>, labels: Option<Labels>) -> Tensor<1> {
        self.image_losses(images, labels).mean()
    }

    /// One pixel's value and the probability the model gave it, from its head outputs
    /// `[batch, outputs]` and a uniform draw per image `[batch, 1]`: `([batch, 1], [batch, 1])`.
    /// `temperature` divides the logits (below 1 sharper, above 1 flatter).
    fn draw(&self, outputs: Tensor<2>, uniform: Tensor<2>, temperature: f64) -> (Tensor<2>, Tensor<2>) {
        match self.kind {
            PixelKind::Binary => {
                let on = sigmoid(outputs / temperature);
                let value = uniform.lower(on.clone()).float();
                // The drawn value's probability: `on` for a 1, 1 − `on` for a 0.
                let probability = (value.clone() + on - 1.0).abs();
                (value, probability)
            }
            PixelKind::Levels(levels) => {
                let probabilities = softmax(outputs / temperature, 1);
                let below: Tensor<2, Int> =
                    probabilities.clone().cumsum(1).lower(uniform.repeat_dim(1, levels)).int();
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

/// A whole row of one layer at once from the row above (training and priming).
fn row_step(state_to_state: &Linear, gates_in: Tensor<3>, above: &RowState) -> RowState {
    let [batch, width, _] = gates_in.dims();
    let state = above.hidden.dims()[2];
    let neighbours = neighbourhoods(above.hidden.clone()).reshape([batch * width, 3 * state]);
    let (hidden, cell) = lstm_cell(
        state_to_state,
        gates_in.reshape([batch * width, 4 * state]),
        neighbours,
        above.cell.clone().reshape([batch * width, state]),
    );
    RowState { hidden: hidden.reshape([batch, width, state]), cell: cell.reshape([batch, width, state]) }
}

/// The LSTM cell of the row-at-once path: `[n, 4·state]` input gates, the `[n, 3·state]` hidden
/// states above, the `[n, state]` cell above.
fn lstm_cell(
    state_to_state: &Linear,
    gates_in: Tensor<2>,
    neighbours: Tensor<2>,
    cell_above: Tensor<2>,
) -> (Tensor<2>, Tensor<2>) {
    lstm_update(gates_in + state_to_state.forward(neighbours), cell_above)
}

/// The LSTM's update from its summed gates `[n, 4·state]` (input, forget, output, candidate)
/// and the cell above `[n, state]`: the hidden state and the cell, `[n, state]` each.
fn lstm_update(gates: Tensor<2>, cell_above: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let [input, forget, output, candidate]: [Tensor<2>; 4] =
        gates.chunk(4, 1).try_into().expect("four gates");
    let cell = sigmoid(forget) * cell_above + sigmoid(input) * tanh(candidate);
    (sigmoid(output) * tanh(cell.clone()), cell)
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
    Tensor::zeros([batch, height + ROWS_ABOVE, width + 2 * REACH], &images.device())
        .slice_assign([0..batch, ROWS_ABOVE..ROWS_ABOVE + height, REACH..REACH + width], images)
}

/// Zero columns on the left of a row of states while painting: the next layer's left window
/// reaches j−2.
const PAD_LEFT: usize = 2;

/// For each column j of every row of states `[batch, rows, width, state]`, the states at j−1, j,
/// j+1 side by side (zeros past the edges): `[batch, rows, width, 3·state]` (any leading shape).
fn neighbourhoods<const D: usize>(hidden: Tensor<D>) -> Tensor<D> {
    shifted_windows(hidden, 1, 1)
}

/// For each column j of a layer's outputs `[batch, H, W, state]`, the outputs at j−2, j−1, j side
/// by side (zeros past the edge): the next layer's input, `[batch, H, W, 3·state]`.
fn left_windows(outputs: Tensor<4>) -> Tensor<4> {
    shifted_windows(outputs, 2, 0)
}

/// The states at j − `left` … j + `right` of each column j of the width axis (second to last),
/// concatenated along the last axis.
fn shifted_windows<const D: usize>(states: Tensor<D>, left: usize, right: usize) -> Tensor<D> {
    let dims = states.dims();
    let width = dims[D - 2];
    let mut pad = dims;
    let device = states.device();
    pad[D - 2] = left;
    let mut parts = vec![Tensor::zeros(pad, &device), states];
    pad[D - 2] = right;
    parts.push(Tensor::zeros(pad, &device));
    let padded = Tensor::cat(parts, D - 2);
    let windows = (0..=left + right).map(|k| padded.clone().narrow(D - 2, k, width)).collect();
    Tensor::cat(windows, D - 1)
}

/// The uniform draws that sample an image of `pixels` pixels with `seed`, one per pixel in raster
/// order: every backend and the tests paint alike for a seed (StdRng is the same generator on
/// wasm32 and on 64-bit machines).
pub fn sampling_uniforms(seed: u64, pixels: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..pixels).map(|_| rng.random::<f32>()).collect()
}

/// The digit a labelled model paints for "any digit" with `seed`: uniform over the labels, from a
/// generator of its own so the pixels' draws are those of [`sampling_uniforms`].
pub fn any_label(seed: u64) -> usize {
    const LABEL_STREAM: u64 = 0x6c61_6265_6c73; // "labels"
    StdRng::seed_from_u64(seed ^ LABEL_STREAM).random_range(0..LABELS)
}

/// One layer while painting: its input weight, the row above's cells, and the current row's
/// hidden states, cells and outputs. Hidden states and outputs have `PAD_LEFT` zero columns on
/// the left (`[batch, W + 2, state]`), cells not (`[batch, W, state]`).
struct LayerRows {
    /// The layer's input window → its gates, without the bias (the bias is in `row_gates`).
    input_weight: Tensor<2>,
    /// Each column's share of the gates that is fixed once the row above is done: the
    /// state-to-state product over the row above, both biases and, on a labelled model's first
    /// layer, the label's: `[batch, W, 4·state]`, one product per row instead of one per pixel.
    row_gates: Tensor<3>,
    above_cell: Tensor<3>,
    row_hidden: Tensor<3>,
    row_cell: Tensor<3>,
    /// This layer's outputs on the current row (its hidden state plus the layer below's output),
    /// what the next layer reads; kept only by a middle layer (the first's outputs are its hidden
    /// states, and nothing reads the top's).
    row_output: Tensor<3>,
}

/// Paints images pixel by pixel, carrying the LSTM states forward: each [`Self::step`] is one cell
/// step per layer (its input window's product plus the row's precomputed gates) and one head
/// evaluation on the device, and nothing is read back until [`Self::take`].
pub struct PixelSampler {
    model: PixelRnn,
    /// The images so far, padded as [`padded_canvas`] pads them: `[batch, H + 3, W + 10]`.
    canvas: Tensor<3>,
    layers: Vec<LayerRows>,
    /// A labelled model's gate bias for each image's label, `[batch, 4·state]`.
    label_gates: Option<Tensor<2>>,
    labels: Option<Vec<usize>>,
    uniforms: Tensor<2>,
    temperature: f64,
    next: usize,
    /// Sampled values and their probabilities since the last [`Self::take`], `[batch, 1]` each.
    pending_values: Vec<Tensor<2>>,
    pending_probabilities: Vec<Tensor<2>>,
}

impl PixelSampler {
    /// Samples one image per seed from nothing; `labels` as [`Self::completing`] takes them.
    pub fn new(
        model: PixelRnn,
        seeds: &[u64],
        labels: Option<&[usize]>,
        temperature: f64,
        device: &Device,
    ) -> Self {
        let [height, width] = model.size();
        Self::completing(
            model,
            Tensor::zeros([seeds.len(), height, width], device),
            0,
            seeds,
            labels,
            temperature,
        )
    }

    /// Keeps the first `visible_rows` rows of `images` (`[batch, H, W]`, prepared values) exactly
    /// and samples the rest, image b with `seeds[b]`: the visible rows are read in one
    /// row-at-once pass. A labelled model paints `labels[b]`, or with `None` the digit
    /// [`any_label`] draws from the seed; an unlabelled model takes `None`.
    pub fn completing(
        model: PixelRnn,
        images: Tensor<3>,
        visible_rows: usize,
        seeds: &[u64],
        labels: Option<&[usize]>,
        temperature: f64,
    ) -> Self {
        let [batch, height, width] = images.dims();
        assert_eq!(batch, seeds.len(), "a seed per image");
        assert_eq!([height, width], model.size(), "images of the model's size");
        assert!(model.labelled() || labels.is_none(), "an unlabelled model takes no labels");
        let labels: Option<Vec<usize>> = model.labelled().then(|| match labels {
            Some(labels) => {
                assert_eq!(labels.len(), batch, "a label per image");
                assert!(labels.iter().all(|&l| l < LABELS), "labels 0 to 9");
                labels.to_vec()
            }
            None => seeds.iter().map(|&seed| any_label(seed)).collect(),
        });
        let visible_rows = visible_rows.min(height);
        let device = images.device();
        let label_tensor = labels.as_ref().map(|labels| {
            let values: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
            Tensor::<1, Int>::from_data(TensorData::new(values, [batch]), &device)
        });
        let label_gates = model.label_gates(label_tensor, batch);
        let kept = images.slice([0..batch, 0..visible_rows]);
        let known =
            Tensor::zeros([batch, height, width], &device).slice_assign([0..batch, 0..visible_rows], kept);

        // Prime every layer from the visible rows, as the row-at-once pass computes them.
        let lasts = match visible_rows {
            0 => vec![model.empty_row(batch, width, &device); 1 + model.upper.len()],
            _ => model.stack_rows(context_windows(known.clone()), label_gates.as_ref(), visible_rows).1,
        };
        let state = model.state_channels();
        let layers = lasts
            .into_iter()
            .enumerate()
            .map(|(k, last)| {
                let (input_to_state, _) = model.layer(k);
                LayerRows {
                    input_weight: input_to_state.weight.val(),
                    row_gates: model.gates_from_above(k, last.hidden, label_gates.as_ref()),
                    above_cell: last.cell,
                    row_hidden: Tensor::zeros([batch, width + PAD_LEFT, state], &device),
                    row_cell: Tensor::zeros([batch, width, state], &device),
                    row_output: Tensor::zeros([batch, width + PAD_LEFT, state], &device),
                }
            })
            .collect();
        let uniforms: Vec<f32> =
            seeds.iter().flat_map(|&seed| sampling_uniforms(seed, height * width)).collect();
        let uniforms = TensorData::new(uniforms, [batch, height * width]);
        Self {
            canvas: padded_canvas(known),
            layers,
            label_gates,
            labels,
            uniforms: Tensor::from_data(uniforms, &device),
            temperature,
            next: visible_rows * width,
            pending_values: Vec::new(),
            pending_probabilities: Vec::new(),
            model,
        }
    }

    pub fn kind(&self) -> PixelKind {
        self.model.kind()
    }

    /// The digit each image is painted as (a labelled model), chosen or drawn from its seed.
    pub fn labels(&self) -> Option<&[usize]> {
        self.labels.as_deref()
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
        // Column j of a padded row is at j + PAD_LEFT: the next layer's left window on the
        // current row is j..j+3.
        let mut input = context.clone();
        let mut output: Option<Tensor<2>> = None;
        let layers = self.layers.len();
        for (k, layer) in self.layers.iter_mut().enumerate() {
            let gates = input.clone().matmul(layer.input_weight.clone())
                + layer.row_gates.clone().slice([0..batch, j..j + 1]).reshape([batch, 4 * state]);
            let cell_above = layer.above_cell.clone().slice([0..batch, j..j + 1]).reshape([batch, state]);
            let (hidden, cell) = lstm_update(gates, cell_above);
            let out = match output.take() {
                Some(below) => below + hidden.clone(),
                None => hidden.clone(),
            };
            let column = j + PAD_LEFT..j + PAD_LEFT + 1;
            layer.row_hidden = layer
                .row_hidden
                .clone()
                .slice_assign([0..batch, column.clone()], hidden.reshape([batch, 1, state]));
            layer.row_cell =
                layer.row_cell.clone().slice_assign([0..batch, j..j + 1], cell.reshape([batch, 1, state]));
            if k + 1 < layers {
                let outputs = if k == 0 {
                    &layer.row_hidden
                } else {
                    layer.row_output = layer
                        .row_output
                        .clone()
                        .slice_assign([0..batch, column], out.clone().reshape([batch, 1, state]));
                    &layer.row_output
                };
                input = outputs.clone().slice([0..batch, j..j + 3]).reshape([batch, 3 * state]);
            }
            output = Some(out);
        }
        let label = self.model.label_head_bias(self.label_gates.as_ref());
        let outputs = self.model.head_outputs(output.expect("at least one layer"), context, label);
        let uniform = self.uniforms.clone().slice([0..batch, self.next..self.next + 1]);
        let (value, probability) = self.model.draw(outputs, uniform, self.temperature);

        self.canvas = self.canvas.clone().slice_assign(
            [0..batch, ROWS_ABOVE + i..ROWS_ABOVE + i + 1, REACH + j..REACH + j + 1],
            value.clone().reshape([batch, 1, 1]),
        );
        self.pending_values.push(value);
        self.pending_probabilities.push(probability);
        self.next += 1;
        if j + 1 == width && !self.done() {
            // The row is done: the next row's fixed share of the gates, one product per layer.
            for (k, layer) in self.layers.iter_mut().enumerate() {
                let hidden = layer.row_hidden.clone().narrow(1, PAD_LEFT, width);
                layer.row_gates = self.model.gates_from_above(k, hidden, self.label_gates.as_ref());
                layer.above_cell = layer.row_cell.clone();
            }
        }
    }

    /// The pixels sampled since the last call, not yet read: `[batch, n, 2]` (value, probability),
    /// `None` if there are none.
    pub fn take(&mut self) -> Option<Tensor<3>> {
        if self.pending_values.is_empty() {
            return None;
        }
        let values = Tensor::cat(self.pending_values.drain(..).collect(), 1);
        let probabilities = Tensor::cat(self.pending_probabilities.drain(..).collect(), 1);
        Some(Tensor::stack(vec![values, probabilities], 2))
    }

    /// The images as painted so far (unpainted pixels 0): `[batch, H, W]`.
    pub fn images(&self) -> Tensor<3> {
        let [batch, height, width] = self.canvas.dims();
        self.canvas.clone().slice([0..batch, ROWS_ABOVE..height, REACH..width - REACH])
    }

    /// Paints to the end in one go and gives the images flat: `[batch, H·W]`.
    pub fn paint_all(mut self) -> Tensor<2> {
        while !self.done() {
            self.step();
        }
        self.images().flatten(1, 2)
    }
}

#[derive(Config, Debug)]
pub struct PixelRnnTrainingConfig {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Steps over which the learning rate halves (0: it stays).
    #[config(default = 0)]
    pub half_life: usize,
    #[config(default = 32)]
    pub batch_size: usize,
    /// Seeds the initial weights, the batches and their binarisation.
    #[config(default = 0)]
    pub seed: u64,
}

impl PixelRnnTrainingConfig {
    /// The learning rate of step `step` (counted from 0).
    pub fn rate_at(&self, step: usize) -> f64 {
        match self.half_life {
            0 => self.learning_rate,
            half_life => self.learning_rate * 0.5f64.powf(step as f64 / half_life as f64),
        }
    }
}

/// What a checkpoint holds besides the weights and the optimiser's state.
#[derive(Config, Debug)]
struct Progress {
    model: PixelRnnConfig,
    training: PixelRnnTrainingConfig,
    steps: usize,
}

/// A checkpoint's files inside its folder.
const CHECKPOINT_MODEL: &str = "model.bpk";
const CHECKPOINT_OPTIMIZER: &str = "optimizer.bpk";
const CHECKPOINT_PROGRESS: &str = "progress.json";

/// One Adam step at a time: the trainer and the tests call the same step. Step n's batch and
/// its binarisation come from a generator seeded by (seed, n) alone, so a run resumed from a
/// checkpoint ([`Self::save`], [`Self::resume`]) continues exactly as one that never stopped.
pub struct PixelRnnTraining {
    learner: Learner<PixelRnn>,
    model_config: PixelRnnConfig,
    config: PixelRnnTrainingConfig,
}

impl PixelRnnTraining {
    /// A fresh model whose initial weights depend only on `config.seed` ([`super::seeded`]).
    pub fn from_scratch(model: &PixelRnnConfig, config: PixelRnnTrainingConfig, device: &Device) -> Self {
        let fresh = super::seeded(config.seed, |cpu| model.init(cpu));
        Self { learner: Learner::adam(fresh, device), model_config: model.clone(), config }
    }

    /// One optimiser step on prepared `images` (`[batch, H, W]`) with their labels if the model
    /// is labelled; returns the batch's mean loss (nats per image), not yet read.
    pub fn step(&mut self, images: Tensor<3>, labels: Option<Labels>) -> Tensor<1> {
        let device = self.learner.device();
        let labels = labels.map(|labels| labels.to_device(device));
        let loss = self.learner.model().loss(images.to_device(device), labels);
        self.learner.update(&loss, self.config.rate_at(self.learner.steps()));
        loss.detach()
    }

    /// A step on `batch_size` digits drawn at random from `data`, prepared for the model's kind
    /// (and their labels, for a labelled model).
    pub fn train_on(&mut self, data: &Mnist) -> Tensor<1> {
        let steps = self.learner.steps() as u64;
        let mut rng =
            SmallRng::seed_from_u64(self.config.seed ^ (steps + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let indices = random_indices(&mut rng, self.config.batch_size, data.len());
        let mut values = data.batch_values(&indices);
        let (model, device) = (self.learner.model(), self.learner.device());
        model.kind().prepare(&mut values, &mut rng);
        let labels = model.labelled().then(|| {
            let labels: Vec<i64> = indices.iter().map(|&i| data.label(i) as i64).collect();
            Tensor::from_data(TensorData::new(labels, [indices.len()]), device)
        });
        let images = Tensor::from_data(TensorData::new(values, [indices.len(), SIDE, SIDE]), device);
        self.step(images, labels)
    }

    pub fn steps(&self) -> usize {
        self.learner.steps()
    }

    pub fn config(&self) -> &PixelRnnTrainingConfig {
        &self.config
    }

    pub fn model_config(&self) -> &PixelRnnConfig {
        &self.model_config
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> PixelRnn {
        self.learner.valid()
    }

    /// Writes a checkpoint into the folder `dir` (made if missing): the weights at full
    /// precision, Adam's moments and the step count. Each file is written beside its place and
    /// renamed, so a run stopped while saving leaves the previous checkpoint whole.
    pub fn save(&self, dir: &Path) -> Result<(), FileError> {
        let named = |file: &str| dir.join(file).display().to_string();
        std::fs::create_dir_all(dir)
            .map_err(|e| FileError::new(&dir.display().to_string(), e.to_string()))?;
        let optimizer = self
            .learner
            .optimizer()
            .into_bytes()
            .map_err(|e| FileError::new(&named(CHECKPOINT_OPTIMIZER), e.to_string()))?;
        let progress = Progress::new(self.model_config.clone(), self.config.clone(), self.learner.steps());
        let progress = burn::config::config_to_json(&progress).into_bytes();
        for (file, bytes) in [
            (CHECKPOINT_MODEL, weights::to_bytes_exact(self.learner.model().clone())),
            (CHECKPOINT_OPTIMIZER, optimizer.to_vec()),
            (CHECKPOINT_PROGRESS, progress),
        ] {
            let (path, partial) = (dir.join(file), dir.join(format!("{file}.partial")));
            std::fs::write(&partial, bytes).map_err(|e| FileError::new(&named(file), e.to_string()))?;
            std::fs::rename(&partial, &path).map_err(|e| FileError::new(&named(file), e.to_string()))?;
        }
        Ok(())
    }

    /// The same run with one more layer on the model ([`PixelRnn::with_layer_added`]): it goes on
    /// from the same step and optimiser state, the new layer's weights with fresh moments.
    // Native only: the trainer grows models; the page's wasm has no room to spare (docs/figures.md).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_layer_added(self) -> Self {
        let device = self.learner.device().clone();
        let steps = self.learner.steps();
        let layers = self.model_config.layers + 1;
        let model = self.learner.model().clone().with_layer_added(self.config.seed ^ layers as u64);
        let optimizer = self.learner.optimizer().clone();
        Self {
            learner: Learner::resumed(model, optimizer, steps, &device),
            model_config: self.model_config.with_layers(layers),
            config: self.config,
        }
    }

    /// Continues from the checkpoint in `dir`, as [`Self::save`] wrote it: the same model, the
    /// same optimiser state and the same next batch.
    pub fn resume(dir: &Path, device: &Device) -> Result<Self, FileError> {
        let named = |file: &str| dir.join(file).display().to_string();
        let progress = std::fs::read(dir.join(CHECKPOINT_PROGRESS))
            .map_err(|e| FileError::new(&named(CHECKPOINT_PROGRESS), e.to_string()))?;
        let progress = Progress::load_binary(&progress).map_err(|e| {
            FileError::new(&named(CHECKPOINT_PROGRESS), format!("not a checkpoint's progress ({e})"))
        })?;
        let model = weights::load_file(progress.model.init(device), dir.join(CHECKPOINT_MODEL))?;
        let optimizer = std::fs::read(dir.join(CHECKPOINT_OPTIMIZER))
            .map_err(|e| FileError::new(&named(CHECKPOINT_OPTIMIZER), e.to_string()))?;
        let optimizer =
            AdamConfig::new().init().from_bytes(burn::tensor::Bytes::from_bytes_vec(optimizer)).map_err(
                |e| FileError::new(&named(CHECKPOINT_OPTIMIZER), format!("not an optimiser state ({e})")),
            )?;
        Ok(Self {
            learner: Learner::resumed(model, optimizer, progress.steps, device),
            model_config: progress.model,
            config: progress.training,
        })
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
            model.image_losses(images, None).sum()
        })
        .collect();
    Tensor::cat(sums, 0).sum() / data.len() as f64
}
