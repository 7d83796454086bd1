//! The MLP auto-encoder of lecture 16: an encoder squeezes a digit into a small code, a decoder
//! rebuilds the digit from it, and both are trained together on reconstruction error. The same
//! module is the denoising auto-encoder when it is trained on corrupted inputs with clean targets.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::data::mnist::{images_tensor, Mnist, PIXELS, SIDE};
use crate::data::noise::Corruption;
use crate::models::learner::{random_indices, Learner};
use crate::models::vae::reconstruction_nats;

#[derive(Config, Debug)]
pub struct AutoencoderConfig {
    /// Widths of the encoder's hidden layers; the decoder mirrors them.
    pub hidden: Vec<usize>,
    /// Size of the bottleneck code.
    pub code: usize,
    #[config(default = 784)]
    pub input: usize,
}

impl AutoencoderConfig {
    /// The shipped AE and DAE: 475k parameters, 0.95 MB of f16 weights each.
    pub fn shipped() -> Self {
        Self::new(vec![256, 128], 32)
    }

    /// The deep AE of the benchmark workloads and of the auto-encoder lab (Hinton &
    /// Salakhutdinov's 784-1000-500-250-30): 2.8M parameters, 5.7 MB of f16 weights.
    pub fn deep() -> Self {
        Self::new(vec![1000, 500, 250], 30)
    }

    /// The lab's AEs with a 2-D code (784-500-250-2): narrower than the paper's 784-1000-500-250-2
    /// so that the plain and the code-penalised one together weigh 4 MB, not 11.
    pub fn map_2d() -> Self {
        Self::new(vec![500, 250], 2)
    }

    pub fn init(&self, device: &Device) -> Autoencoder {
        let (encoder, decoder) = mirrored_layers(self.input, &self.hidden, self.code, device);
        Autoencoder { encoder, decoder }
    }
}

#[derive(Module, Debug)]
pub struct Autoencoder {
    encoder: Vec<Linear>,
    decoder: Vec<Linear>,
}

impl Autoencoder {
    /// `[batch, 784]` in [0, 1] → `[batch, code]`: ReLU hidden layers, a linear code.
    pub fn encode(&self, images: Tensor<2>) -> Tensor<2> {
        run_layers(&self.encoder, images)
    }

    /// `[batch, code]` → `[batch, 784]` in (0, 1): ReLU hidden layers, a sigmoid output.
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode_logits(codes))
    }

    /// The decoder's output before the sigmoid, for a cross-entropy loss that never takes the
    /// log of a rounded-off probability.
    pub fn decode_logits(&self, codes: Tensor<2>) -> Tensor<2> {
        run_layers(&self.decoder, codes)
    }

    /// The reconstruction of `images`.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode(images))
    }

    pub fn code_size(&self) -> usize {
        self.encoder.last().map_or(0, |l| l.weight.dims()[1])
    }

    /// Every layer's output for `images`, in order: the encoder's hidden layers (ReLU), the code
    /// (linear), the decoder's hidden layers (ReLU) and the output (sigmoid), each `[batch,
    /// units]`; the input itself is not repeated. The same arithmetic as [`Autoencoder::forward`],
    /// kept layer by layer, for the page's diagram of the network.
    pub fn activations(&self, images: Tensor<2>) -> Vec<Tensor<2>> {
        let mut outputs = layer_outputs(&self.encoder, images);
        let code = outputs.last().cloned().expect("an encoder has layers");
        let mut decoded = layer_outputs(&self.decoder, code);
        let logits = decoded.pop().expect("a decoder has layers");
        outputs.extend(decoded);
        outputs.push(sigmoid(logits));
        outputs
    }

    /// The encoder's layers, input side first: their weights are `[inputs, units]`.
    pub fn encoder_layers(&self) -> &[Linear] {
        &self.encoder
    }

    /// The decoder's layers, code side first.
    pub fn decoder_layers(&self) -> &[Linear] {
        &self.decoder
    }
}

/// Applies `layers` with ReLU between them (none after the last).
/// An MLP encoder `input → hidden… → code` and the decoder that mirrors it.
pub(crate) fn mirrored_layers(
    input: usize,
    hidden: &[usize],
    code: usize,
    device: &Device,
) -> (Vec<Linear>, Vec<Linear>) {
    let widths: Vec<usize> =
        std::iter::once(input).chain(hidden.iter().copied()).chain(std::iter::once(code)).collect();
    let layers = |pairs: Vec<(usize, usize)>| -> Vec<Linear> {
        pairs.into_iter().map(|(i, o)| LinearConfig::new(i, o).init(device)).collect()
    };
    (
        layers(widths.windows(2).map(|w| (w[0], w[1])).collect()),
        layers(widths.windows(2).rev().map(|w| (w[1], w[0])).collect()),
    )
}

/// The layers in turn, ReLU between them, the last one linear.
pub(crate) fn run_layers(layers: &[Linear], input: Tensor<2>) -> Tensor<2> {
    layer_outputs(layers, input.clone()).pop().unwrap_or(input)
}

/// What [`run_layers`] computes, with every layer's output kept.
fn layer_outputs(layers: &[Linear], input: Tensor<2>) -> Vec<Tensor<2>> {
    let last = layers.len().saturating_sub(1);
    let mut outputs: Vec<Tensor<2>> = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let x = outputs.last().cloned().unwrap_or_else(|| input.clone());
        let y = layer.forward(x);
        outputs.push(if i < last { relu(y) } else { y });
    }
    outputs
}

/// Moves a 28×28 image by (dx, dy) pixels in place; what leaves the frame is lost, what enters
/// is black.
pub(crate) fn shift(image: &mut [f32], dx: i64, dy: i64) {
    let side = SIDE as i64;
    let source = image.to_vec();
    for y in 0..side {
        for x in 0..side {
            let (from_x, from_y) = (x - dx, y - dy);
            let inside = (0..side).contains(&from_x) && (0..side).contains(&from_y);
            image[(y * side + x) as usize] =
                if inside { source[(from_y * side + from_x) as usize] } else { 0.0 };
        }
    }
}

/// Codes at the centres of a `rows`×`cols` grid over the box [x0, x1]×[y0, y1] of a 2-D code
/// plane, rows first, the top row at y1 (up is positive, as on a plot): `[rows·cols, 2]`.
pub fn box_grid(corners: [f32; 4], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    let [x0, y0, x1, y1] = corners;
    let codes: Vec<f32> = (0..rows)
        .flat_map(|r| {
            (0..cols).flat_map(move |c| {
                let x = x0 + (x1 - x0) * (c as f32 + 0.5) / cols as f32;
                let y = y1 - (y1 - y0) * (r as f32 + 0.5) / rows as f32;
                [x, y]
            })
        })
        .collect();
    Tensor::from_data(burn::tensor::TensorData::new(codes, [rows * cols, 2]), device)
}

/// Squared error summed over the 784 pixels, averaged over the batch: the figure reported for
/// the shipped weights, and the training loss. Returns a 1-element tensor (nothing read back).
pub fn reconstruction_error(reconstruction: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    per_image_error(reconstruction, target).mean()
}

/// Squared error of each image summed over its pixels: `[batch]`.
pub fn per_image_error(reconstruction: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    (reconstruction - target).powi_scalar(2).sum_dim(1).squeeze_dim(1)
}

/// Mean over `data` of each image's squared error summed over its pixels, for any rebuild of
/// `[batch, 784]` images (an AE's, PCA's): chunks of 500, read back as they go (native, tests).
pub fn mean_error(data: &Mnist, device: &Device, rebuild: impl Fn(Tensor<2>) -> Tensor<2>) -> f32 {
    let mut total = 0.0f64;
    for start in (0..data.len()).step_by(500) {
        let indices: Vec<usize> = (start..(start + 500).min(data.len())).collect();
        let images = data.batch(&indices, device);
        let sum: f32 = per_image_error(rebuild(images.clone()), images).sum().into_scalar();
        total += f64::from(sum);
    }
    (total / data.len().max(1) as f64) as f32
}

/// How well a plain AE reconstructs and a DAE denoises, measured on a data set (native: reads
/// back synchronously).
#[derive(Debug, Clone)]
pub struct Quality {
    /// AE: mean over images of the squared error summed over 784 pixels in [0, 1].
    pub ae_error: f32,
    /// DAE, per corruption: (name, mean PSNR of the corrupted input, of the DAE's output) in dB.
    pub dae_psnr: Vec<(String, f32, f32)>,
}

/// The corruptions the shipped DAE is judged on (and that the page offers).
pub fn benchmark_corruptions() -> Vec<(String, Corruption)> {
    vec![
        ("gaussian σ=0.3".into(), Corruption::Gaussian(0.3)),
        ("salt-and-pepper 10%".into(), Corruption::SaltAndPepper(0.1)),
        ("masking 30%".into(), Corruption::Masking(0.3)),
    ]
}

pub fn measure_quality(ae: &Autoencoder, dae: &Autoencoder, data: &Mnist, device: &Device) -> Quality {
    const CHUNK: usize = 500;
    let chunks: Vec<Vec<usize>> =
        (0..data.len()).collect::<Vec<_>>().chunks(CHUNK).map(|c| c.to_vec()).collect();
    let read = |t: Tensor<1>| -> Vec<f32> { t.into_data().try_to_vec().expect("f32 errors") };
    // PSNR with peak 1: 10·log10(784 / summed squared error).
    let psnr = |errors: &[f32]| -> f32 {
        errors.iter().map(|e| 10.0 * (PIXELS as f32 / e.max(1e-6)).log10()).sum::<f32>() / errors.len() as f32
    };
    let dae_psnr = benchmark_corruptions()
        .into_iter()
        .map(|(name, corruption)| {
            let (mut noisy_errors, mut denoised_errors) = (Vec::new(), Vec::new());
            for (seed, indices) in chunks.iter().enumerate() {
                let clean_values = data.batch_values(indices);
                let mut noisy_values = clean_values.clone();
                corruption.apply(&mut noisy_values, seed as u64);
                let clean = images_tensor(clean_values, device);
                let noisy = images_tensor(noisy_values, device);
                noisy_errors.extend(read(per_image_error(noisy.clone(), clean.clone())));
                denoised_errors.extend(read(per_image_error(dae.forward(noisy), clean)));
            }
            (name, psnr(&noisy_errors), psnr(&denoised_errors))
        })
        .collect();
    Quality { ae_error: mean_error(data, device, |x| ae.forward(x)), dae_psnr }
}

/// What the DAE is trained on, natively and in the page: Gaussian, salt-and-pepper or masking
/// noise of up to 0.6, so it copes with whatever the page's noise controls ask for.
pub const DAE_TRAINING_CORRUPTION: Corruption = Corruption::Mixed(0.6);

#[derive(Config, Debug)]
pub struct TrainingConfig {
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Noise put on the inputs (targets stay clean): `None` trains a plain AE, anything else a DAE.
    #[config(default = "Corruption::None")]
    pub corruption: Corruption,
    #[config(default = 0)]
    pub seed: u64,
    /// Train on the pixels' binary cross-entropy (Hinton & Salakhutdinov's loss for the deep AE:
    /// steeper gradients where a pixel is confidently wrong) instead of squared error; the
    /// figure reported stays the squared error.
    #[config(default = false)]
    pub cross_entropy: bool,
    /// Weight of the L2 penalty on the code, ‖code‖² averaged over the batch: it pulls the codes
    /// towards 0 so that the region around 0 is where the data is (the decoder-as-generator view).
    #[config(default = 0.0)]
    pub code_penalty: f64,
    /// Each training digit moved by up to this many pixels in x and y (input and target alike):
    /// more kinds of digit than the set holds, against overfitting.
    #[config(default = 0)]
    pub jitter: usize,
}

/// One Adam step at a time on random mini-batches: the trainer binary loops it, the page's worker
/// calls it a few steps per message.
pub struct AutoencoderTraining {
    learner: Learner<Autoencoder>,
    config: TrainingConfig,
    rng: SmallRng,
}

impl AutoencoderTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: Autoencoder, config: TrainingConfig, device: &Device) -> Self {
        Self { learner: Learner::adam(model, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// One optimiser step on a random batch of `data`; returns the batch's loss, not yet read.
    pub fn step(&mut self, data: &Mnist) -> Tensor<1> {
        let indices = random_indices(&mut self.rng, self.config.batch_size, data.len());
        let noise_seed = self.rng.random();
        let (input, target) = self.inputs_and_targets(data, &indices, noise_seed);
        // In parts side by side in the threaded build (one part elsewhere).
        let parts = crate::parallel::equal_parts(self.config.batch_size);
        let parts: Vec<_> = input.chunk(parts, 0).into_iter().zip(target.chunk(parts, 0)).collect();
        let config = &self.config;
        let losses = self.learner.update_in_parts(parts, config.learning_rate, |model, (input, target)| {
            let code = model.encode(input);
            let mut loss = if config.cross_entropy {
                reconstruction_nats(model.decode_logits(code.clone()), target).mean()
            } else {
                reconstruction_error(model.decode(code.clone()), target)
            };
            if config.code_penalty > 0.0 {
                loss = loss + code.powi_scalar(2).sum_dim(1).mean() * config.code_penalty;
            }
            (loss.clone(), loss.detach())
        });
        Tensor::cat(losses, 0).mean()
    }

    /// The loss on the first `count` images of `data` (a held-out set), with the same kind of
    /// corruption as training but fixed noise, so successive values compare. Not yet read.
    pub fn held_out_loss(&self, data: &Mnist, count: usize) -> Tensor<1> {
        let indices: Vec<usize> = (0..count.min(data.len())).collect();
        let (input, target) = self.inputs_and_targets(data, &indices, 0);
        reconstruction_error(self.model().forward(input), target)
    }

    /// Corrupted inputs and clean targets for the images at `indices`.
    fn inputs_and_targets(&self, data: &Mnist, indices: &[usize], noise_seed: u64) -> (Tensor<2>, Tensor<2>) {
        let mut clean = data.batch_values(indices);
        if self.config.jitter > 0 {
            let mut rng = SmallRng::seed_from_u64(noise_seed ^ 0x5eed);
            let reach = self.config.jitter as i64;
            for image in clean.chunks_exact_mut(PIXELS) {
                let (dx, dy) = (rng.random_range(-reach..=reach), rng.random_range(-reach..=reach));
                shift(image, dx, dy);
            }
        }
        let mut noisy = clean.clone();
        self.config.corruption.apply(&mut noisy, noise_seed);
        (images_tensor(noisy, self.learner.device()), images_tensor(clean, self.learner.device()))
    }

    pub fn steps(&self) -> usize {
        self.learner.steps()
    }

    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> Autoencoder {
        self.learner.valid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::mnist::tests::synthetic;

    #[test]
    fn shapes_follow_the_config() {
        let device = Device::flex();
        let model = AutoencoderConfig::new(vec![64], 8).init(&device);
        let images = Tensor::<2>::zeros([3, PIXELS], &device);
        assert_eq!(model.encode(images.clone()).dims(), [3, 8]);
        assert_eq!(model.forward(images).dims(), [3, PIXELS]);
        assert_eq!(model.code_size(), 8);
    }

    #[test]
    fn activations_are_the_forward_pass_layer_by_layer() {
        let device = Device::flex();
        device.seed(3);
        let model = AutoencoderConfig::new(vec![16, 8], 4).init(&device);
        let values: Vec<f32> = (0..2 * PIXELS).map(|i| ((i * 37) % 784) as f32 / 783.0).collect();
        let images = images_tensor(values, &device);
        let layers = model.activations(images.clone());
        let widths: Vec<usize> = layers.iter().map(|l| l.dims()[1]).collect();
        assert_eq!(widths, [16, 8, 4, 8, 16, PIXELS], "hidden, code, hidden, output");
        let read = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_to_vec().unwrap() };
        // By hand: ReLU after every hidden layer, none on the code, a sigmoid on the output.
        let (encoder, decoder) = (model.encoder_layers(), model.decoder_layers());
        let h1 = relu(encoder[0].forward(images.clone()));
        let h2 = relu(encoder[1].forward(h1.clone()));
        let code = encoder[2].forward(h2.clone());
        let h3 = relu(decoder[0].forward(code.clone()));
        let h4 = relu(decoder[1].forward(h3.clone()));
        let output = sigmoid(decoder[2].forward(h4.clone()));
        for (i, expected) in [h1, h2, code, h3, h4, output].into_iter().enumerate() {
            assert_eq!(read(layers[i].clone()), read(expected), "layer {i}");
        }
        assert_eq!(read(layers[2].clone()), read(model.encode(images.clone())), "the code");
        assert_eq!(read(layers[5].clone()), read(model.forward(images)), "the rebuild");
        assert!(read(layers[0].clone()).iter().all(|&v| v >= 0.0), "ReLU");
    }

    #[test]
    fn shift_moves_ink_and_fills_with_black() {
        let mut image = vec![0.0; PIXELS];
        image[0] = 1.0; // top left
        image[5 * SIDE + 7] = 0.5;
        shift(&mut image, 1, -1);
        assert_eq!(image[4 * SIDE + 8], 0.5);
        assert_eq!(image.iter().filter(|&&v| v > 0.0).count(), 1, "the corner pixel left the frame");
    }

    #[test]
    fn box_grid_puts_cell_centres_rows_first_top_row_up() {
        let grid: Vec<f32> =
            box_grid([0.0, -1.0, 4.0, 1.0], 2, 2, &Device::flex()).into_data().try_to_vec().unwrap();
        assert_eq!(grid, vec![1.0, 0.5, 3.0, 0.5, 1.0, -0.5, 3.0, -0.5]);
    }

    #[test]
    fn the_code_penalty_and_cross_entropy_train_too() {
        let device = Device::flex();
        device.seed(4);
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let model = AutoencoderConfig::new(vec![32], 2).init(&device);
        let config = TrainingConfig::new()
            .with_batch_size(16)
            .with_seed(2)
            .with_cross_entropy(true)
            .with_code_penalty(0.5);
        let mut training = AutoencoderTraining::new(model, config, &device);
        let first: f32 = training.step(&data).into_scalar();
        let mut last = first;
        for _ in 0..40 {
            last = training.step(&data).into_scalar();
        }
        assert!(last < first * 0.7, "loss {first} → {last}");
    }

    #[test]
    fn a_few_steps_lower_the_loss() {
        let device = Device::flex();
        device.seed(3);
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let model = AutoencoderConfig::new(vec![32], 4).init(&device);
        let config =
            TrainingConfig::new().with_batch_size(16).with_seed(1).with_corruption(Corruption::Gaussian(0.1));
        let mut training = AutoencoderTraining::new(model, config, &device);
        let first: f32 = training.step(&data).into_scalar();
        let mut last = first;
        for _ in 0..40 {
            last = training.step(&data).into_scalar();
        }
        assert_eq!(training.steps(), 41);
        assert!(last < first * 0.5, "loss {first} → {last}");
    }
}
