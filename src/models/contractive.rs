//! The contractive auto-encoder (Rifai et al. 2011) beside the plain and the denoising one, all
//! three as the same one-hidden-layer net: a sigmoid code h = σ(Wx + b), a sigmoid decoder. For
//! this encoder the Jacobian ∂h/∂x is diag(h(1−h))·W, so its squared Frobenius norm has the
//! closed form Σ_j (h_j(1−h_j))² Σ_i W_ji², cheap enough to add to the loss with a weight λ: the
//! code is then asked to move little when the input moves a little. The nudges the page applies
//! to a drawing (and the trainer to test digits) live here too, as pure functions on pixels.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::data::mnist::{images_tensor, Mnist, SIDE};
use crate::data::noise::Corruption;
use crate::models::autoencoder::shift;
use crate::models::learner::{random_indices, Learner};
use crate::models::vae::reconstruction_nats;

/// 784-64-784: 101k parameters, 203 kB of f16 weights per shipped model, small enough for the
/// page to fetch four and to train one in the browser.
#[derive(Config, Debug)]
pub struct ContractiveConfig {
    #[config(default = 784)]
    pub input: usize,
    #[config(default = 64)]
    pub hidden: usize,
}

impl ContractiveConfig {
    pub fn init(&self, device: &Device) -> ShallowAutoencoder {
        ShallowAutoencoder {
            encoder: LinearConfig::new(self.input, self.hidden).init(device),
            decoder: LinearConfig::new(self.hidden, self.input).init(device),
        }
    }
}

/// One sigmoid hidden layer each way; no weight tying, as in Rifai et al.'s experiments.
#[derive(Module, Debug)]
pub struct ShallowAutoencoder {
    encoder: Linear,
    decoder: Linear,
}

impl ShallowAutoencoder {
    /// `[batch, input]` in [0, 1] → codes `[batch, hidden]` in (0, 1).
    pub fn encode(&self, images: Tensor<2>) -> Tensor<2> {
        sigmoid(self.encoder.forward(images))
    }

    /// Codes → `[batch, input]` in (0, 1).
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode_logits(codes))
    }

    /// The decoder's output before the sigmoid, for a cross-entropy loss that never takes the
    /// log of a rounded-off probability.
    pub fn decode_logits(&self, codes: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(codes)
    }

    /// The reconstruction of `images`.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode(images))
    }

    /// ‖∂code/∂input‖_F of each image, `[batch]` (not squared), from the closed form; nothing is
    /// read back.
    pub fn jacobian_norm(&self, images: Tensor<2>) -> Tensor<1> {
        self.squared_jacobian_norm(self.encode(images)).sqrt()
    }

    /// ‖J‖²_F = Σ_j (h_j(1−h_j))² Σ_i W_ji² for each row of `codes` (the encoder's output h):
    /// `[batch]`. The training penalty; it takes the codes so that the loss computes them once.
    pub fn squared_jacobian_norm(&self, codes: Tensor<2>) -> Tensor<1> {
        // burn's Linear stores W as [input, hidden]: a column's squared norm per code unit.
        let weight_norms = self.encoder.weight.val().powi_scalar(2).sum_dim(0); // [1, hidden]
        let slopes = codes.clone() * (codes.neg() + 1.0); // σ' = h(1−h)
        (slopes.powi_scalar(2) * weight_norms).sum_dim(1).squeeze_dim(1)
    }

    pub fn hidden_size(&self) -> usize {
        self.encoder.weight.dims()[1]
    }
}

/// How far each image's code moves between `original` and `nudged`: ‖code(nudged) −
/// code(original)‖₂ per row, `[batch]`, nothing read back.
pub fn code_shift(model: &ShallowAutoencoder, original: Tensor<2>, nudged: Tensor<2>) -> Tensor<1> {
    (model.encode(nudged) - model.encode(original)).powi_scalar(2).sum_dim(1).squeeze_dim(1).sqrt()
}

/// The small changes to a drawing whose effect on the code the page plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nudge {
    /// One pixel to the right.
    Shift,
    /// The stroke half-way to its 3×3 dilation: each pixel moves half-way to the brightest of its
    /// neighbours, so old ink stays and a soft pixel-wide rim appears.
    Thicken,
    /// Gaussian noise of σ = 0.1, clamped to [0, 1].
    Noise,
}

impl Nudge {
    pub const ALL: [Nudge; 3] = [Nudge::Shift, Nudge::Thicken, Nudge::Noise];

    /// The name the page uses ("shift", "thicken", "noise").
    pub fn name(self) -> &'static str {
        match self {
            Self::Shift => "shift",
            Self::Thicken => "thicken",
            Self::Noise => "noise",
        }
    }

    pub fn from_name(name: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|n| n.name() == name).ok_or_else(|| format!("unknown nudge \"{name}\""))
    }
}

/// σ of the `Noise` nudge.
pub const NUDGE_NOISE: f32 = 0.1;

/// `image` (784 pixels in [0, 1]) nudged by `kind`; `seed` only matters for the noise.
pub fn nudge(image: &[f32], kind: Nudge, seed: u64) -> Vec<f32> {
    let mut out = image.to_vec();
    match kind {
        Nudge::Shift => shift(&mut out, 1, 0),
        Nudge::Thicken => {
            let dilated = dilate(image);
            for (p, d) in out.iter_mut().zip(dilated) {
                *p = 0.5 * (*p + d);
            }
        }
        Nudge::Noise => Corruption::Gaussian(NUDGE_NOISE).apply(&mut out, seed),
    }
    out
}

/// 3×3 max filter of a 28×28 image (the frame counts as black).
fn dilate(image: &[f32]) -> Vec<f32> {
    let side = SIDE as i64;
    let at = |x: i64, y: i64| -> f32 {
        if (0..side).contains(&x) && (0..side).contains(&y) {
            image[(y * side + x) as usize]
        } else {
            0.0
        }
    };
    (0..side)
        .flat_map(|y| (0..side).map(move |x| (x, y)))
        .map(|(x, y)| {
            (-1..=1)
                .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
                .map(|(dx, dy)| at(x + dx, y + dy))
                .fold(0.0, f32::max)
        })
        .collect()
}

/// A shipped model: trained with weight `lambda` on the Jacobian penalty, on inputs corrupted by
/// `corruption` (clean targets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    /// File stem: the weights are `www/weights/<name>.bpk`.
    pub name: &'static str,
    /// What the page calls it.
    pub label: &'static str,
    pub lambda: f64,
    pub corruption: Corruption,
}

/// The noise the shipped denoising AE is trained on.
pub const DENOISING_CORRUPTION: Corruption = Corruption::Gaussian(0.3);

/// The shipped variants, in the order the page lists them: plain, denoising, then contractive
/// with growing λ. Measured on the 10k test digits after 30 epochs (`train cae`; squared error
/// per image, mean Jacobian norm): plain 3.06, 13.65; denoising 9.31, 2.47; λ = 0.1 3.01, 2.69;
/// λ = 1 3.40, 1.68; λ = 3 4.87, 1.23. A small λ shrinks the Jacobian fivefold at no cost in
/// reconstruction; larger ones trade sharpness for it.
pub const SHIPPED_VARIANTS: [Variant; 5] = [
    Variant { name: "cae-plain", label: "plain (λ = 0)", lambda: 0.0, corruption: Corruption::None },
    Variant {
        name: "cae-denoising",
        label: "denoising (Gaussian σ = 0.3)",
        lambda: 0.0,
        corruption: DENOISING_CORRUPTION,
    },
    Variant {
        name: "cae-lambda-0.1",
        label: "contractive λ = 0.1",
        lambda: 0.1,
        corruption: Corruption::None,
    },
    Variant { name: "cae-lambda-1", label: "contractive λ = 1", lambda: 1.0, corruption: Corruption::None },
    Variant { name: "cae-lambda-3", label: "contractive λ = 3", lambda: 3.0, corruption: Corruption::None },
];

pub fn shipped_variants() -> Vec<Variant> {
    SHIPPED_VARIANTS.to_vec()
}

/// Reconstruction in nats (the pixels' binary cross-entropy, summed over pixels) and λ·‖J‖²_F,
/// each averaged over the batch, packed `[total, reconstruction, penalty]`; nothing read back.
pub fn loss_terms(model: &ShallowAutoencoder, input: Tensor<2>, target: Tensor<2>, lambda: f64) -> Tensor<1> {
    let codes = model.encode(input);
    let reconstruction = reconstruction_nats(model.decode_logits(codes.clone()), target).mean();
    let penalty = model.squared_jacobian_norm(codes).mean() * lambda;
    Tensor::cat(vec![reconstruction.clone() + penalty.clone(), reconstruction, penalty], 0)
}

#[derive(Config, Debug)]
pub struct ContractiveTrainingConfig {
    #[config(default = 64)]
    pub batch_size: usize,
    /// Adam's step size: 1e-2 reached test error 3.62 in 10 epochs where 1e-3 reached 15.3
    /// (batch 64, plain): this shallow sigmoid net wants large steps.
    #[config(default = 1e-2)]
    pub learning_rate: f64,
    /// Weight of ‖J‖²_F in the loss: 0 trains a plain (or denoising) AE.
    #[config(default = 0.0)]
    pub lambda: f64,
    /// Noise put on the inputs (targets stay clean): anything but `None` trains a denoising AE.
    #[config(default = "Corruption::None")]
    pub corruption: Corruption,
    #[config(default = 0)]
    pub seed: u64,
}

/// One Adam step at a time on random mini-batches: the trainer binary loops it, the page's worker
/// calls it a few steps per message.
pub struct ContractiveTraining {
    learner: Learner<ShallowAutoencoder>,
    config: ContractiveTrainingConfig,
    rng: SmallRng,
}

impl ContractiveTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: ShallowAutoencoder, config: ContractiveTrainingConfig, device: &Device) -> Self {
        Self { learner: Learner::adam(model, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// One optimiser step on a random batch of `data`; returns the batch's loss, not yet read.
    pub fn step(&mut self, data: &Mnist) -> Tensor<1> {
        self.step_terms(data).narrow(0, 0, 1)
    }

    /// As `step`, returning `[total, reconstruction, λ·penalty]` (one read-back for all three).
    pub fn step_terms(&mut self, data: &Mnist) -> Tensor<1> {
        let indices = random_indices(&mut self.rng, self.config.batch_size, data.len());
        let clean = data.batch_values(&indices);
        let mut noisy = clean.clone();
        self.config.corruption.apply(&mut noisy, self.rng.random());
        let (input, target) =
            (images_tensor(noisy, self.learner.device()), images_tensor(clean, self.learner.device()));
        let terms = loss_terms(self.learner.model(), input, target, self.config.lambda);
        self.learner.update(&terms.clone().narrow(0, 0, 1), self.config.learning_rate);
        terms.detach()
    }

    pub fn steps(&self) -> usize {
        self.learner.steps()
    }

    pub fn lambda(&self) -> f64 {
        self.config.lambda
    }

    pub fn set_lambda(&mut self, lambda: f64) {
        self.config.lambda = lambda;
    }

    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> ShallowAutoencoder {
        self.learner.valid()
    }
}

/// Mean over `data` of each image's Jacobian norm ‖∂code/∂input‖_F: chunks of 500, read back as
/// they go (native tools and tests; CPU backends only).
pub fn mean_jacobian_norm(model: &ShallowAutoencoder, data: &Mnist, device: &Device) -> f32 {
    mean_over_chunks(data, |indices| model.jacobian_norm(data.batch(indices, device)))
}

/// Mean over `data` of how far the code moves under `kind` (the noise seeded by each image's
/// index): read back as it goes (native tools and tests; CPU backends only).
pub fn mean_code_shift(model: &ShallowAutoencoder, data: &Mnist, kind: Nudge, device: &Device) -> f32 {
    mean_over_chunks(data, |indices| {
        let nudged: Vec<f32> = indices.iter().flat_map(|&i| nudge(&data.image(i), kind, i as u64)).collect();
        code_shift(model, data.batch(indices, device), images_tensor(nudged, device))
    })
}

fn mean_over_chunks(data: &Mnist, per_image: impl Fn(&[usize]) -> Tensor<1>) -> f32 {
    let all: Vec<usize> = (0..data.len()).collect();
    let total: f64 =
        all.chunks(500).map(|indices| f64::from(per_image(indices).sum().into_scalar::<f32>())).sum();
    (total / data.len().max(1) as f64) as f32
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::mnist::PIXELS;

    fn ink(image: &[f32]) -> f32 {
        image.iter().sum()
    }

    /// A short vertical bar, 3 pixels tall, at column 10.
    fn bar() -> Vec<f32> {
        let mut image = vec![0.0; PIXELS];
        for y in 12..15 {
            image[y * SIDE + 10] = 0.8;
        }
        image
    }

    #[test]
    fn shapes_and_ranges() {
        let device = Device::flex();
        let model = ContractiveConfig::new().with_hidden(8).init(&device);
        let images = Tensor::<2>::ones([3, PIXELS], &device) * 0.5;
        let codes = model.encode(images.clone());
        assert_eq!(codes.dims(), [3, 8]);
        assert_eq!(model.forward(images.clone()).dims(), [3, PIXELS]);
        assert_eq!(model.jacobian_norm(images).dims(), [3]);
        assert_eq!(model.hidden_size(), 8);
        let values: Vec<f32> = codes.into_data().try_to_vec().unwrap();
        assert!(values.iter().all(|v| *v > 0.0 && *v < 1.0));
    }

    #[test]
    fn shift_moves_the_ink_one_pixel_right() {
        let moved = nudge(&bar(), Nudge::Shift, 0);
        for y in 12..15 {
            assert_eq!(moved[y * SIDE + 11], 0.8);
            assert_eq!(moved[y * SIDE + 10], 0.0);
        }
        assert_eq!(ink(&moved), ink(&bar()));
    }

    #[test]
    fn thicken_keeps_the_old_ink_and_adds_a_rim() {
        let original = bar();
        let thick = nudge(&original, Nudge::Thicken, 0);
        assert!(original.iter().zip(&thick).all(|(o, t)| t >= o), "no ink lost");
        // The bar's 3 pixels, plus a rim of 3×5 − 3 = 12 pixels at half the bar's value.
        assert_eq!(thick.iter().filter(|&&p| p > 0.0).count(), 15);
        assert!((ink(&thick) - ink(&original) - 12.0 * 0.4).abs() < 1e-5);
        assert_eq!(thick[11 * SIDE + 9], 0.4, "diagonal neighbours count (3×3, not a cross)");
    }

    #[test]
    fn noise_is_seeded_small_and_in_range() {
        let original = bar();
        let a = nudge(&original, Nudge::Noise, 5);
        assert_eq!(a, nudge(&original, Nudge::Noise, 5), "same seed, same noise");
        assert_ne!(a, nudge(&original, Nudge::Noise, 6));
        assert!(a.iter().all(|p| (0.0..=1.0).contains(p)));
        let rms = (a.iter().zip(&original).map(|(x, o)| (x - o).powi(2)).sum::<f32>() / PIXELS as f32).sqrt();
        // Clamping at 0 halves the background's noise: σ·√(1/2) ≈ 0.07 (less with the clamp's mass).
        assert!((0.04..0.1).contains(&rms), "rms change {rms}");
    }

    #[test]
    fn nudges_parse_by_name() {
        for kind in Nudge::ALL {
            assert_eq!(Nudge::from_name(kind.name()), Ok(kind));
        }
        assert!(Nudge::from_name("blur").is_err());
    }

    #[test]
    fn code_shift_is_zero_for_the_same_image_and_positive_otherwise() {
        let device = Device::flex();
        let model = ContractiveConfig::new().with_hidden(8).init(&device);
        let original = images_tensor([bar(), bar()].concat(), &device);
        let nudged = images_tensor([bar(), nudge(&bar(), Nudge::Shift, 0)].concat(), &device);
        let shifts: Vec<f32> = code_shift(&model, original, nudged).into_data().try_to_vec().unwrap();
        assert_eq!(shifts[0], 0.0);
        assert!(shifts[1] > 0.0);
    }

    #[test]
    fn the_shipped_list_starts_plain_then_denoising_then_growing_lambda() {
        let variants = shipped_variants();
        assert_eq!((variants[0].lambda, variants[0].corruption), (0.0, Corruption::None));
        assert_eq!(variants[1].lambda, 0.0);
        assert_ne!(variants[1].corruption, Corruption::None);
        assert!(variants[2..].windows(2).all(|w| w[0].lambda < w[1].lambda) && variants[2].lambda > 0.0);
    }

    /// A step's terms are those of the model it started from, on its batch: the reconstruction
    /// in nats and λ·‖J‖²_F from the closed form, for the λ just set. One digit repeated makes
    /// every random batch the same, so the terms can be recomputed here.
    #[test]
    fn a_steps_penalty_term_is_lambda_times_the_squared_jacobian_norm() {
        let device = Device::flex();
        device.seed(7);
        let pixels: Vec<u8> = (0..PIXELS).map(|i| ((i * 37) % 256) as u8).collect();
        let data = Mnist::from_parts(pixels.repeat(40), vec![0; 40]);
        let model = ContractiveConfig::new().with_hidden(16).init(&device);
        let mut training =
            ContractiveTraining::new(model, ContractiveTrainingConfig::new().with_seed(1), &device);
        let read = |t: Tensor<1>| -> Vec<f32> { t.into_data().try_to_vec().unwrap() };
        let x = images_tensor(data.image(0), &device);
        // What a step on the current model must report with weight `lambda`, recomputed.
        let expected = |training: &ContractiveTraining, lambda: f32| {
            let model = training.model();
            let codes = model.encode(x.clone());
            let reconstruction =
                read(reconstruction_nats(model.decode_logits(codes.clone()), x.clone()).mean())[0];
            let squared_norm = read(model.squared_jacobian_norm(codes))[0];
            (reconstruction, lambda * squared_norm)
        };
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);

        let (reconstruction, _) = expected(&training, 0.0);
        let plain = read(training.step_terms(&data));
        assert_eq!(plain[2], 0.0, "λ = 0: no penalty");
        assert!(
            close(plain[1], reconstruction) && close(plain[0], plain[1]),
            "{plain:?} vs {reconstruction}"
        );

        for lambda in [2.0, 0.5] {
            training.set_lambda(f64::from(lambda));
            let (reconstruction, penalty) = expected(&training, lambda);
            let terms = read(training.step_terms(&data));
            println!(
                "λ = {lambda}: {terms:?}, recomputed reconstruction {reconstruction}, penalty {penalty}"
            );
            assert!(penalty > 0.0);
            assert!(
                close(terms[2], penalty),
                "λ = {lambda}: penalty term {} vs λ·‖J‖² = {penalty}",
                terms[2]
            );
            assert!(close(terms[1], reconstruction), "{terms:?} vs {reconstruction}");
            assert!(close(terms[0], terms[1] + terms[2]), "{terms:?}");
        }
        assert_eq!((training.steps(), training.lambda()), (3, 0.5));
    }
}
