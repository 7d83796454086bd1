//! The variational auto-encoder of lectures 17–18: the encoder gives a mean and a log-variance
//! per code dimension, the code is sampled from that Gaussian (noise on the code, where a
//! denoising AE puts it on the input), and the loss adds to the reconstruction error a KL term
//! that keeps the codes near a unit Gaussian, so the code space stays smooth.
//!
//! The same module is the plain auto-encoder of the same shape: trained with the code noise off
//! (code = mean) and β = 0 ([`VaeTrainingConfig::plain_autoencoder`]), its log-variance head is
//! never used. Noise is drawn on the host from a seeded generator, so a seed gives the same
//! training on every backend.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_sigmoid, relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::data::mnist::{Mnist, PIXELS};
use crate::models::gan::normal_noise;
use crate::models::learner::{random_indices, Learner};

#[derive(Config, Debug)]
pub struct VaeConfig {
    /// Widths of the encoder's hidden layers, from the image side; the decoder mirrors them.
    pub hidden: Vec<usize>,
    /// Size of the code: the number of means (and of log-variances).
    pub code: usize,
    #[config(default = 784)]
    pub input: usize,
}

impl VaeConfig {
    /// The VAE of the `vae-step` benchmark workload (Kingma & Welling's MNIST set-up):
    /// 784-400-(20, 20) / 20-400-784, 652,824 parameters.
    pub fn workload() -> Self {
        Self::new(vec![400], 20)
    }

    /// The page's 10-D VAE (and, trained as a plain AE, its comparison): 784-512-256-(10, 10) /
    /// 10-256-512-784, 1.07 M parameters; the decoder alone (the slider's work) is 0.54 M.
    pub fn shipped_10d() -> Self {
        Self::new(vec![512, 256], 10)
    }

    /// The page's 2-D VAE (the latent map): the same widths with a 2-D code.
    pub fn shipped_2d() -> Self {
        Self::new(vec![512, 256], 2)
    }

    pub fn init(&self, device: &Device) -> Vae {
        let linear = |i, o| LinearConfig::new(i, o).init(device);
        let chain =
            |widths: &[usize]| -> Vec<Linear> { widths.windows(2).map(|w| linear(w[0], w[1])).collect() };
        let encoder_widths = [vec![self.input], self.hidden.clone()].concat();
        let decoder_widths = [vec![self.code], self.hidden.iter().rev().copied().collect()].concat();
        let (encoded, decoded) =
            (encoder_widths[encoder_widths.len() - 1], decoder_widths[decoder_widths.len() - 1]);
        Vae {
            encoder: chain(&encoder_widths),
            mean: linear(encoded, self.code),
            log_variance: linear(encoded, self.code),
            decoder: chain(&decoder_widths),
            output: linear(decoded, self.input),
        }
    }
}

#[derive(Module, Debug)]
pub struct Vae {
    encoder: Vec<Linear>,
    mean: Linear,
    log_variance: Linear,
    decoder: Vec<Linear>,
    output: Linear,
}

/// What the encoder says of a batch: `[batch, code]` each.
#[derive(Debug, Clone)]
pub struct Posterior {
    pub mean: Tensor<2>,
    pub log_variance: Tensor<2>,
}

impl Posterior {
    /// A code drawn by the reparameterisation trick: μ + σ·ε for standard normal `noise`
    /// (`[batch, code]`), so gradients reach μ and σ.
    pub fn sample(&self, noise: Tensor<2>) -> Tensor<2> {
        self.mean.clone() + self.log_std().exp() * noise
    }

    /// log σ, the log of the standard deviation: half the encoder's log-variance. The lecture's
    /// code c = exp(σ) ⊙ e + m reads its σ this way (its KL term exp(σ) − (1 + σ) + m² reads σ
    /// as the log-variance).
    pub fn log_std(&self) -> Tensor<2> {
        self.log_variance.clone() * 0.5
    }

    /// The code the decoder gets: a sample with `noise`, the mean without (the plain AE).
    pub fn code(&self, noise: Option<Tensor<2>>) -> Tensor<2> {
        match noise {
            Some(noise) => self.sample(noise),
            None => self.mean.clone(),
        }
    }

    /// KL(N(μ, σ²) ‖ N(0, 1)) per image, summed over the code: ½ Σ (σ² + μ² − 1 − log σ²),
    /// `[batch, 1]`. Per dimension it is ½ (exp(s) − (1 + s)) + ½ μ² with s = log σ²: the
    /// lecture's exp(σ) − (1 + σ), least (0) at variance 1.
    pub fn kl(&self) -> Tensor<2> {
        self.kl_per_dimension().sum_dim(1)
    }

    /// The KL term dimension by dimension, `[batch, code]`: ½ (σ² + μ² − 1 − log σ²). A
    /// dimension the model does not use sits at the prior (μ = 0, σ = 1) and costs 0.
    pub fn kl_per_dimension(&self) -> Tensor<2> {
        let variance = self.log_variance.clone().exp();
        (variance + self.mean.clone().powi_scalar(2) - self.log_variance.clone() - 1.0) * 0.5
    }
}

impl Vae {
    /// Size of the code.
    pub fn code_size(&self) -> usize {
        self.mean.weight.dims()[1]
    }

    /// `[batch, 784]` in [0, 1] → the Gaussian each image's code is drawn from.
    pub fn encode(&self, images: Tensor<2>) -> Posterior {
        let h = self.encoder.iter().fold(images, |x, layer| relu(layer.forward(x)));
        Posterior { mean: self.mean.forward(h.clone()), log_variance: self.log_variance.forward(h) }
    }

    /// `[batch, code]` → `[batch, 784]` logits; [`Vae::decode`] gives pixels.
    pub fn decode_logits(&self, codes: Tensor<2>) -> Tensor<2> {
        let h = self.decoder.iter().fold(codes, |x, layer| relu(layer.forward(x)));
        self.output.forward(h)
    }

    /// `[batch, code]` → `[batch, 784]` in (0, 1): the Bernoulli means, shown as grey levels.
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode_logits(codes))
    }

    /// The decoding of each image's code mean: what the strips' ends and the AE view show.
    pub fn reconstruct(&self, images: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode(images).mean)
    }

    /// The two terms of the negative ELBO of `images` (`[batch, 784]`, the encoder's input and
    /// the decoder's targets), each averaged over the batch. With `noise` (`[batch, code]`,
    /// standard normal) the code is sampled, without it the code is the mean.
    pub fn loss_terms(&self, images: Tensor<2>, noise: Option<Tensor<2>>) -> LossTerms {
        let posterior = self.encode(images.clone());
        let logits = self.decode_logits(posterior.code(noise));
        LossTerms { reconstruction: reconstruction_nats(logits, images).mean(), kl: posterior.kl().mean() }
    }
}

/// −log p(targets | logits) under independent Bernoulli pixels, summed over each row: the
/// binary cross-entropy, `[batch, 1]`. Written as x(1 − t) − log σ(x), which never takes the log
/// of a rounded-off probability. Every pixel costs the same wherever it is (the lecture's "the
/// VAE only imitates").
pub fn reconstruction_nats(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<2> {
    (logits.clone() * (targets.neg() + 1.0) - log_sigmoid(logits)).sum_dim(1)
}

/// The loss terms of a batch, on the device (nothing read back): nats per image.
#[derive(Debug, Clone)]
pub struct LossTerms {
    /// E_q[−log p(x | z)], one code sample per image.
    pub reconstruction: Tensor<1>,
    /// KL(q(z | x) ‖ N(0, I)).
    pub kl: Tensor<1>,
}

impl LossTerms {
    /// reconstruction + β·KL: with β = 1 the negative ELBO.
    pub fn total(&self, beta: f64) -> Tensor<1> {
        self.reconstruction.clone() + self.kl.clone() * beta
    }

    /// `[total, reconstruction, kl]` in one tensor, so a caller reads back once.
    pub fn packed(self, beta: f64) -> Tensor<1> {
        Tensor::cat(vec![self.total(beta), self.reconstruction, self.kl], 0)
    }
}

/// A packed `[total, reconstruction, kl]` read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossFigures {
    pub total: f32,
    pub reconstruction: f32,
    pub kl: f32,
}

impl LossFigures {
    pub fn from_values(values: &[f32]) -> Self {
        let [total, reconstruction, kl] = values[..3].try_into().expect("three values");
        Self { total, reconstruction, kl }
    }

    /// Reads a packed tensor back (native, or the CPU backend; the page reads asynchronously).
    pub fn read(packed: Tensor<1>) -> Self {
        Self::from_values(&packed.into_data().iter::<f32>().collect::<Vec<_>>())
    }

    /// The evidence lower bound in nats per image (meaningful for a bound measured with β = 1).
    pub fn elbo(&self) -> f32 {
        -(self.reconstruction + self.kl)
    }
}

#[derive(Config, Debug)]
pub struct VaeTrainingConfig {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Weight of the KL term: 1 trains on the ELBO, 0 drops the pull towards N(0, I).
    #[config(default = 1.0)]
    pub beta: f64,
    /// Draw the code from the posterior (a VAE); off, the code is the mean (a plain AE).
    #[config(default = true)]
    pub sample_code: bool,
    /// Digits per step in [`VaeTraining::train_on`] (Kingma & Welling's 100).
    #[config(default = 100)]
    pub batch_size: usize,
    /// [`VaeTraining::train_on`] binarises each batch afresh (a pixel is on with probability
    /// its grey level), so the targets are what a Bernoulli decoder models.
    #[config(default = true)]
    pub binarise: bool,
    /// Seeds the batches, their binarisation and the code noise.
    #[config(default = 0)]
    pub seed: u64,
}

impl VaeTrainingConfig {
    /// The plain auto-encoder of the same shape: code = mean, no KL term.
    pub fn plain_autoencoder() -> Self {
        Self::new().with_beta(0.0).with_sample_code(false)
    }
}

/// One Adam step at a time: the benchmark, the trainer, the tests and the page call the same step.
pub struct VaeTraining {
    learner: Learner<Vae>,
    config: VaeTrainingConfig,
    rng: SmallRng,
}

impl VaeTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: Vae, config: VaeTrainingConfig, device: &Device) -> Self {
        Self { learner: Learner::adam(model, device), rng: SmallRng::seed_from_u64(config.seed), config }
    }

    /// A fresh `model` whose initial weights depend only on `config.seed` ([`super::seeded`]).
    pub fn from_scratch(model: &VaeConfig, config: VaeTrainingConfig, device: &Device) -> Self {
        Self::new(super::seeded(config.seed, |cpu| model.init(cpu)), config, device)
    }

    /// One optimiser step on `images` (`[batch, 784]` in [0, 1], inputs and targets); returns
    /// `[total, reconstruction, kl]` (batch means, nats per image), not yet read.
    pub fn step(&mut self, images: Tensor<2>) -> Tensor<1> {
        let images = images.to_device(self.learner.device());
        let noise = self.config.sample_code.then(|| {
            normal_noise(
                &mut self.rng,
                images.dims()[0],
                self.learner.model().code_size(),
                self.learner.device(),
            )
        });
        // In parts side by side in the threaded build (one part elsewhere).
        let parts = crate::parallel::equal_parts(images.dims()[0]);
        let noise_parts = match noise {
            Some(noise) => noise.chunk(parts, 0).into_iter().map(Some).collect(),
            None => vec![None; parts],
        };
        let parts: Vec<_> = images.chunk(parts, 0).into_iter().zip(noise_parts).collect();
        let beta = self.config.beta;
        let terms =
            self.learner.update_in_parts(parts, self.config.learning_rate, |model, (images, noise)| {
                let terms = model.loss_terms(images, noise);
                (terms.total(beta), (terms.reconstruction.detach(), terms.kl.detach()))
            });
        let (reconstruction, kl): (Vec<_>, Vec<_>) = terms.into_iter().unzip();
        LossTerms { reconstruction: Tensor::cat(reconstruction, 0).mean(), kl: Tensor::cat(kl, 0).mean() }
            .packed(beta)
    }

    /// A step on `batch_size` digits drawn at random from `data` (binarised if configured).
    pub fn train_on(&mut self, data: &Mnist) -> Tensor<1> {
        let indices = random_indices(&mut self.rng, self.config.batch_size, data.len());
        let mut values = data.batch_values(&indices);
        if self.config.binarise {
            binarise(&mut values, &mut self.rng);
        }
        let images =
            Tensor::from_data(TensorData::new(values, [indices.len(), PIXELS]), self.learner.device());
        self.step(images)
    }

    pub fn steps(&self) -> usize {
        self.learner.steps()
    }

    pub fn config(&self) -> &VaeTrainingConfig {
        &self.config
    }

    /// β, the rate, the noise switch and the batch size may change between steps.
    pub fn config_mut(&mut self) -> &mut VaeTrainingConfig {
        &mut self.config
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> Vae {
        self.learner.valid()
    }
}

/// Stochastic binarisation in place: each grey level v becomes 1 with probability v, else 0.
pub fn binarise(values: &mut [f32], rng: &mut SmallRng) {
    for v in values {
        *v = if rng.random::<f32>() < *v { 1.0 } else { 0.0 };
    }
}

/// The seed of the test bounds the project reports (trainer, tests, page).
pub const BOUND_SEED: u64 = 7;

/// Digits per chunk of [`test_bound`].
const BOUND_CHUNK: usize = 500;

/// The bound on every digit of `data`, nats per image, as a packed `[−ELBO, reconstruction, kl]`
/// on the device (one readback). Each digit is binarised stochastically (a pixel is on with
/// probability its grey level) and, with `sample_code`, its code is one sample of its
/// posterior; both from a generator seeded by `seed`, so the figure repeats. Without
/// `sample_code` the code is the mean: for the plain AE only the reconstruction term means
/// anything (its posterior is a point, so it has no finite bound).
pub fn test_bound(model: &Vae, data: &Mnist, sample_code: bool, seed: u64, device: &Device) -> Tensor<1> {
    assert!(!data.is_empty(), "a bound over no digits");
    let mut rng = SmallRng::seed_from_u64(seed);
    let indices: Vec<usize> = (0..data.len()).collect();
    let sums: Vec<Tensor<1>> = indices
        .chunks(BOUND_CHUNK)
        .map(|chunk| {
            let mut values = data.batch_values(chunk);
            binarise(&mut values, &mut rng);
            let images = Tensor::from_data(TensorData::new(values, [chunk.len(), PIXELS]), device);
            let noise = sample_code.then(|| normal_noise(&mut rng, chunk.len(), model.code_size(), device));
            model.loss_terms(images, noise).packed(1.0) * chunk.len() as f64
        })
        .collect();
    let chunks = sums.len();
    Tensor::cat(sums, 0).reshape([chunks, 3]).sum_dim(0).reshape([3]) / data.len() as f64
}

/// `frames` codes evenly spaced on the line from `a` to `b` (each `[1, code]`), ends included:
/// `[frames, code]`. One frame is `a`.
pub fn interpolate(a: Tensor<2>, b: Tensor<2>, frames: usize) -> Tensor<2> {
    let code = a.dims()[1];
    let steps: Vec<f32> = (0..frames).map(|k| k as f32 / frames.saturating_sub(1).max(1) as f32).collect();
    let t = Tensor::<2>::from_data(TensorData::new(steps, [frames, 1]), &a.device()).expand([frames, code]);
    let from = a.clone().expand([frames, code]);
    from + t * (b - a).expand([frames, code])
}

/// An `n`×`n` grid of codes over the plane of dimensions `across` and `down` through `base`
/// (Kingma & Welling's figure 4): equal cells of the unit square, mapped through the Gaussian
/// inverse CDF, so each row and column holds equal prior mass. Column c sets `across` to
/// Φ⁻¹((c + ½)/n); row r sets `down` to Φ⁻¹(1 − (r + ½)/n) (positive up, as on a plot); every
/// other dimension keeps `base`'s value. Rows first: `[n·n, code]`.
pub fn plane_grid(base: &[f32], across: usize, down: usize, n: usize, device: &Device) -> Tensor<2> {
    let code = base.len();
    assert!(across < code && down < code && across != down, "two distinct dimensions of the code");
    let quantile = |k: usize| inverse_normal_cdf((k as f64 + 0.5) / n as f64) as f32;
    let mut values = Vec::with_capacity(n * n * code);
    for row in 0..n {
        for column in 0..n {
            let mut point = base.to_vec();
            point[across] = quantile(column);
            point[down] = quantile(n - 1 - row);
            values.extend(point);
        }
    }
    Tensor::from_data(TensorData::new(values, [n * n, code]), device)
}

/// Φ⁻¹(p), the standard normal quantile, for p in (0, 1): Acklam's rational approximation
/// (relative error below 1.2·10⁻⁹), far finer than f32 codes need.
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const TAIL: f64 = 0.02425;
    let horner = |coefficients: &[f64], x: f64| coefficients.iter().fold(0.0, |sum, c| sum * x + c);
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if !(TAIL..=1.0 - TAIL).contains(&p) {
        // The tails, in q = √(−2 ln p) of the nearer end.
        let q = (-2.0 * p.min(1.0 - p).ln()).sqrt();
        let x = horner(&C, q) / (horner(&D, q) * q + 1.0);
        if p < TAIL {
            x
        } else {
            -x
        }
    } else {
        let q = p - 0.5;
        let r = q * q;
        horner(&A, r) * q / (horner(&B, r) * r + 1.0)
    }
}

/// Φ(x), the standard normal CDF (the map places a code mean μ at Φ(μ) on the unit square):
/// Abramowitz & Stegun's 7.1.26 for erf, absolute error below 1.5·10⁻⁷.
pub fn normal_cdf(x: f64) -> f64 {
    const P: f64 = 0.3275911;
    const A: [f64; 5] = [1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592];
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + P * z);
    let erf = 1.0 - A.iter().fold(0.0, |sum, a| sum * t + a) * t * (-z * z).exp();
    0.5 * (1.0 + erf.copysign(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::mnist::tests::synthetic;

    #[test]
    fn the_workload_vae_has_its_parameter_count() {
        assert_eq!(VaeConfig::workload().init(&Device::flex()).num_params(), 652_824);
    }

    #[test]
    fn the_loss_matches_its_definition_on_a_known_case() {
        // Zero weights: logits 0 (BCE = 784·log 2 whatever the targets), μ = 0 and log σ² = 0
        // (KL = 0), whatever noise is drawn.
        let device = Device::flex();
        let vae = VaeConfig::new(vec![8], 2).init(&device).map(&mut Zeroed);
        let images = Tensor::<2>::from_data(TensorData::new(vec![0.3f32; 4 * 784], [4, 784]), &device);
        let noise = Tensor::<2>::ones([4, 2], &device);
        let figures = LossFigures::read(vae.loss_terms(images, Some(noise)).packed(1.0));
        let expected = 784.0 * std::f32::consts::LN_2;
        assert!((figures.reconstruction - expected).abs() < 1e-2, "{figures:?}, expected {expected}");
        assert_eq!(figures.kl, 0.0);
        assert_eq!(figures.total, figures.reconstruction);
    }

    #[test]
    fn the_lectures_code_and_the_kl_per_dimension_on_a_known_case() {
        let device = Device::flex();
        let tensor = |values: Vec<f32>| Tensor::<2>::from_data(TensorData::new(values, [1, 3]), &device);
        let read = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_to_vec().unwrap() };
        // log σ² = 2 ln 2, 0, −2 ln 2: standard deviations 2, 1, ½.
        let ln2 = std::f32::consts::LN_2;
        let posterior = Posterior {
            mean: tensor(vec![1.0, 0.0, -1.0]),
            log_variance: tensor(vec![2.0 * ln2, 0.0, -2.0 * ln2]),
        };
        let log_std = read(posterior.log_std());
        assert!(log_std.iter().zip([ln2, 0.0, -ln2]).all(|(a, b)| (a - b).abs() < 1e-6), "{log_std:?}");
        // c = exp(σ) ⊙ e + m with σ = log σ_std, exactly the reparameterised sample.
        let e = vec![0.5, -2.0, 4.0];
        let c = read(posterior.sample(tensor(e.clone())));
        let by_hand: Vec<f32> = (0..3).map(|i| log_std[i].exp() * e[i] + [1.0, 0.0, -1.0][i]).collect();
        assert!(c.iter().zip(&by_hand).all(|(a, b)| (a - b).abs() < 1e-6), "{c:?} against {by_hand:?}");
        assert!(c.iter().zip([2.0, -2.0, 1.0]).all(|(a, b)| (a - b).abs() < 1e-5), "{c:?}");
        // ½ (σ² + μ² − 1 − log σ²) per dimension: the prior's dimension (μ 0, σ 1) costs 0.
        let kl = read(posterior.kl_per_dimension());
        let expected = [0.5 * (4.0 + 1.0 - 1.0 - 2.0 * ln2), 0.0, 0.5 * (0.25 + 1.0 - 1.0 + 2.0 * ln2)];
        assert!(kl.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-6), "{kl:?} against {expected:?}");
        let total = read(posterior.kl())[0];
        assert!((total - kl.iter().sum::<f32>()).abs() < 1e-6, "the KL is the sum over dimensions");
    }

    #[test]
    fn a_few_steps_lower_the_loss() {
        let device = Device::flex();
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let images = data.batch(&(0..40).collect::<Vec<_>>(), &device);
        let config = VaeTrainingConfig::new().with_seed(5);
        let mut training = VaeTraining::from_scratch(&VaeConfig::new(vec![64], 4), config, &device);
        let first = LossFigures::read(training.step(images.clone()));
        let mut last = first;
        for _ in 0..30 {
            last = LossFigures::read(training.step(images.clone()));
        }
        println!("VAE loss on 40 synthetic digits: {first:?} → {last:?} after 30 steps");
        assert!((first.total - first.reconstruction - first.kl).abs() < 1e-2, "{first:?}");
        // Measured 552 → 339 (the targets' own entropy, the floor, is 198).
        assert!(last.total < first.total * 0.7, "loss {first:?} → {last:?}");
    }

    #[test]
    fn the_normal_quantile_and_cdf_match_known_values_and_invert_each_other() {
        for (p, x) in [
            (0.5, 0.0),
            (0.975, 1.959963984540054),
            (0.9, 1.2815515655446004),
            (0.05, -1.6448536269514722),
            (0.01, -2.3263478740408408),
            (0.001, -3.090232306167813),
        ] {
            assert!((inverse_normal_cdf(p) - x).abs() < 1e-8, "Φ⁻¹({p}) = {}", inverse_normal_cdf(p));
            assert!((normal_cdf(x) - p).abs() < 2e-7, "Φ({x}) = {}", normal_cdf(x));
        }
        for k in 1..1000 {
            let p = k as f64 / 1000.0;
            assert!((normal_cdf(inverse_normal_cdf(p)) - p).abs() < 2e-7, "p = {p}");
        }
    }

    #[test]
    fn the_plane_grid_sweeps_two_dimensions_and_keeps_the_rest() {
        let device = Device::flex();
        let base = [0.25f32, -1.0, 0.5];
        let grid: Vec<f32> = plane_grid(&base, 2, 0, 4, &device).into_data().iter().collect();
        assert_eq!(grid.len(), 4 * 4 * 3);
        let point = |row: usize, column: usize| &grid[(row * 4 + column) * 3..][..3];
        // Middle of the first of 4 cells: Φ⁻¹(1/8).
        let edge = inverse_normal_cdf(0.125) as f32;
        assert_eq!(point(0, 0), [-edge, -1.0, edge]);
        assert_eq!(point(3, 3), [edge, -1.0, -edge]);
        assert!(grid.chunks(3).all(|p| p[1] == -1.0));
    }

    #[test]
    fn interpolation_is_evenly_spaced_with_both_ends() {
        let device = Device::flex();
        let a = Tensor::<2>::from_data([[0.0f32, 2.0]], &device);
        let b = Tensor::<2>::from_data([[4.0f32, -2.0]], &device);
        let path: Vec<f32> = interpolate(a, b, 5).into_data().iter().collect();
        assert_eq!(path, [0.0, 2.0, 1.0, 1.0, 2.0, 0.0, 3.0, -1.0, 4.0, -2.0]);
    }

    /// Sets every parameter to zero.
    struct Zeroed;

    impl burn::module::ModuleMapper for Zeroed {
        fn map_float<const D: usize>(
            &mut self,
            param: burn::module::Param<Tensor<D>>,
        ) -> burn::module::Param<Tensor<D>> {
            param.map(|t| t.zeros_like())
        }
    }
}
