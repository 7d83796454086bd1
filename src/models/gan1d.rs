//! The 1-D GAN of Goodfellow et al. (2014), figure 1: real samples on a line (the black dots), a
//! generator that maps noise to points on the same line (its density: the green curve) and a
//! discriminator D(x) over the line (the blue curve). Tiny MLPs, so the picture can be redrawn
//! after every few steps. The losses and the step structure are the MNIST GAN's (`gan.rs`).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::tensor::activation::{leaky_relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::gan::{
    discriminator_loss, generator_loss, normal_noise, DiscriminatorStep, GanStats, GanTrainingConfig,
    GeneratorStep, Iterated, IterationTrace,
};
use super::learner::Learner;

#[derive(Config, Debug)]
pub struct Gan1dConfig {
    /// Size of G's noise input (standard normal).
    #[config(default = 1)]
    pub noise: usize,
    #[config(default = "vec![32, 32]")]
    pub generator_hidden: Vec<usize>,
    #[config(default = "vec![32, 32]")]
    pub discriminator_hidden: Vec<usize>,
}

impl Gan1dConfig {
    pub fn init(&self, device: &Device) -> Gan1d {
        let chain = |widths: Vec<usize>| Mlp1d {
            layers: widths.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect(),
        };
        Gan1d {
            generator: chain([vec![self.noise], self.generator_hidden.clone(), vec![1]].concat()),
            discriminator: chain([vec![1], self.discriminator_hidden.clone(), vec![1]].concat()),
        }
    }
}

#[derive(Module, Debug)]
pub struct Gan1d {
    /// Noise `[n, noise]` → points `[n, 1]`.
    pub generator: Mlp1d,
    /// Points `[n, 1]` → logits `[n, 1]`.
    pub discriminator: Mlp1d,
}

/// Linear layers with LeakyReLU(0.2) between them, a linear output.
#[derive(Module, Debug)]
pub struct Mlp1d {
    layers: Vec<Linear>,
}

impl Mlp1d {
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len().saturating_sub(1);
        self.layers.iter().enumerate().fold(input, |x, (i, layer)| {
            let y = layer.forward(x);
            if i < last {
                leaky_relu(y, 0.2)
            } else {
                y
            }
        })
    }

    fn inputs(&self) -> usize {
        self.layers[0].weight.dims()[0]
    }
}

/// The real data: what the visitor picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RealData {
    Gaussian {
        mean: f32,
        std: f32,
    },
    /// An even mixture of two Gaussians of the same width.
    TwoGaussians {
        means: [f32; 2],
        std: f32,
    },
    /// A drawn histogram: `weights` of equal-width bins over [low, high], uniform inside a bin.
    Histogram {
        low: f32,
        high: f32,
        weights: Vec<f32>,
    },
}

impl RealData {
    /// The page's one Gaussian (the native test's N(3, 1)).
    pub fn one_gaussian() -> Self {
        Self::Gaussian { mean: 3.0, std: 1.0 }
    }

    /// The page's two Gaussians: far-apart modes, where mode collapse shows.
    pub fn two_gaussians() -> Self {
        Self::TwoGaussians { means: [-3.0, 3.0], std: 0.5 }
    }

    /// The probability density at `x` (the curve the dots are drawn from).
    pub fn density(&self, x: f32) -> f32 {
        let normal = |mean: f32, std: f32| {
            (-0.5 * ((x - mean) / std).powi(2)).exp() / (std * (std::f32::consts::TAU).sqrt())
        };
        match self {
            Self::Gaussian { mean, std } => normal(*mean, *std),
            Self::TwoGaussians { means, std } => 0.5 * (normal(means[0], *std) + normal(means[1], *std)),
            Self::Histogram { low, high, weights } => {
                let total: f32 = weights.iter().map(|w| w.max(0.0)).sum();
                let width = (high - low) / weights.len() as f32;
                if !(*low..*high).contains(&x) || total <= 0.0 {
                    return 0.0;
                }
                let bin = (((x - low) / width) as usize).min(weights.len() - 1);
                weights[bin].max(0.0) / (total * width)
            }
        }
    }

    pub fn sample(&self, rng: &mut SmallRng, count: usize) -> Vec<f32> {
        let normal = |rng: &mut SmallRng| {
            let (u1, u2): (f32, f32) = (1.0 - rng.random::<f32>(), rng.random());
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        };
        (0..count)
            .map(|_| match self {
                Self::Gaussian { mean, std } => mean + std * normal(rng),
                Self::TwoGaussians { means, std } => {
                    means[usize::from(rng.random::<bool>())] + std * normal(rng)
                }
                Self::Histogram { low, high, weights } => {
                    let total: f32 = weights.iter().map(|w| w.max(0.0)).sum();
                    let mut pick = rng.random::<f32>() * total;
                    let mut bin = weights.len() - 1;
                    for (i, w) in weights.iter().enumerate() {
                        if pick < w.max(0.0) {
                            bin = i;
                            break;
                        }
                        pick -= w.max(0.0);
                    }
                    let width = (high - low) / weights.len() as f32;
                    low + width * (bin as f32 + rng.random::<f32>())
                }
            })
            .collect()
    }

    /// The distribution's mean and standard deviation.
    pub fn mean_std(&self) -> (f32, f32) {
        match self {
            Self::Gaussian { mean, std } => (*mean, *std),
            Self::TwoGaussians { means, std } => {
                let mean = (means[0] + means[1]) / 2.0;
                let half_gap = (means[1] - means[0]) / 2.0;
                (mean, (std * std + half_gap * half_gap).sqrt())
            }
            Self::Histogram { low, high, weights } => {
                let total: f32 = weights.iter().map(|w| w.max(0.0)).sum::<f32>().max(f32::MIN_POSITIVE);
                let width = (high - low) / weights.len() as f32;
                let (mut m1, mut m2) = (0.0, 0.0);
                for (i, w) in weights.iter().enumerate() {
                    let p = w.max(0.0) / total;
                    let (a, b) = (low + width * i as f32, low + width * (i + 1) as f32);
                    m1 += p * (a + b) / 2.0;
                    m2 += p * (a * a + a * b + b * b) / 3.0;
                }
                (m1, (m2 - m1 * m1).max(0.0).sqrt())
            }
        }
    }
}

/// Settings under which mode collapse shows on two Gaussians: far-apart modes and k = 5 D steps
/// per G step. Measured with seeds 0–3 over 4000 iterations: with seeds 1 and 2 every sample of
/// G stays in the left mode throughout, seed 0 puts 80 % there, seed 3 35 %; with the default
/// k = 1 the same seeds end near 50/50 (seed 2 after 2000 iterations in one mode).
pub fn mode_collapse_preset() -> (RealData, GanTrainingConfig) {
    (RealData::two_gaussians(), GanTrainingConfig::one_dimensional().with_d_steps(5).with_seed(1))
}

/// The generator's density and D(x) over a grid, computed on the host from one readback.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// D(x) at each grid point (the blue curve).
    pub d_of_x: Vec<f32>,
    /// Histogram density of G's samples over the grid's range (the green curve): one value per
    /// bin, integrating to the share of samples inside the range.
    pub generator_density: Vec<f32>,
    pub generator_mean: f32,
    pub generator_std: f32,
}

impl Picture {
    /// From the values [`Gan1dTraining::view`] returned for `grid` (ascending), with `bins`
    /// density bins between the grid's ends.
    pub fn from_view(values: &[f32], grid: &[f32], bins: usize) -> Self {
        let (d_of_x, samples) = values.split_at(grid.len());
        let n = samples.len().max(1) as f32;
        let mean = samples.iter().sum::<f32>() / n;
        let std = (samples.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n).sqrt();
        let (low, high) = (grid[0], grid[grid.len() - 1]);
        let width = (high - low) / bins as f32;
        let mut density = vec![0.0; bins];
        for &x in samples {
            if (low..high).contains(&x) {
                density[((x - low) / width) as usize % bins] += 1.0 / (n * width);
            }
        }
        Self { d_of_x: d_of_x.to_vec(), generator_density: density, generator_mean: mean, generator_std: std }
    }
}

/// One training step for the 1-D GAN, on real samples it draws itself from [`RealData`].
pub struct Gan1dTraining {
    generator: Learner<Mlp1d>,
    discriminator: Learner<Mlp1d>,
    config: GanTrainingConfig,
    data: RealData,
    rng: SmallRng,
    iterations: usize,
}

impl Gan1dTraining {
    pub fn new(gan: Gan1d, data: RealData, config: GanTrainingConfig, device: &Device) -> Self {
        let adam = AdamConfig::new().with_beta_1(config.beta1).with_beta_2(config.beta2);
        Self {
            generator: Learner::new(gan.generator, adam.init(), device),
            discriminator: Learner::new(gan.discriminator, adam.init(), device),
            rng: SmallRng::seed_from_u64(config.seed),
            config,
            data,
            iterations: 0,
        }
    }

    /// Fresh weights drawn from `config.seed` on the CPU backend (as `GanTraining::from_scratch`).
    pub fn from_scratch(
        model: &Gan1dConfig,
        data: RealData,
        config: GanTrainingConfig,
        device: &Device,
    ) -> Self {
        Self::new(super::seeded(config.seed, |cpu| model.init(cpu)), data, config, device)
    }

    /// One D update on a fresh real batch and as many fakes.
    pub fn step_d(&mut self) -> DiscriminatorStep {
        self.d_update().0
    }

    /// One G update on fresh noise.
    pub fn step_g(&mut self) -> GeneratorStep {
        let z = self.noise(self.config.batch_size);
        let fake = self.generator.model().forward(z);
        self.g_update(fake)
    }

    /// k D steps, then one G step on the last D step's fakes (as the MNIST GAN).
    pub fn iteration(&mut self) -> GanStats {
        self.iterate().stats()
    }

    /// The same iteration, with its stages' tensors for the first `shown` points: `[shown, 1]`.
    pub fn traced_iteration(&mut self, shown: usize) -> (GanStats, IterationTrace<2>) {
        let iterated = self.iterate();
        (iterated.stats(), iterated.trace(shown))
    }

    fn iterate(&mut self) -> Iterated<2> {
        let mut last = self.d_update();
        for _ in 1..self.config.d_steps.max(1) {
            last = self.d_update();
        }
        let (d, fake, real) = last;
        let g = self.g_update(fake.clone());
        self.iterations += 1;
        Iterated { d, g, real, fake }
    }

    /// One D update; also returns G's fakes (attached to G's graph) and the real batch.
    fn d_update(&mut self) -> (DiscriminatorStep, Tensor<2>, Tensor<2>) {
        let batch = self.config.batch_size;
        let real = self.data.sample(&mut self.rng, batch);
        let real = Tensor::<2>::from_data(TensorData::new(real, [batch, 1]), self.generator.device());
        let z = self.noise(batch);
        let fake = self.generator.model().forward(z);
        let real_logits = self.discriminator.model().forward(real.clone()).flatten::<1>(0, 1);
        let fake_logits = self.discriminator.model().forward(fake.clone().detach()).flatten::<1>(0, 1);
        let loss = discriminator_loss(real_logits.clone(), fake_logits.clone());
        self.discriminator.update(&loss, self.config.discriminator_lr);
        (DiscriminatorStep::new(loss, real_logits, fake_logits), fake, real)
    }

    fn g_update(&mut self, fake: Tensor<2>) -> GeneratorStep {
        let logits = self.discriminator.model().clone().no_grad().forward(fake).flatten::<1>(0, 1);
        let loss = generator_loss(logits.clone(), self.config.loss);
        self.generator.update(&loss, self.config.generator_lr);
        GeneratorStep::new(loss, logits)
    }

    fn noise(&mut self, count: usize) -> Tensor<2> {
        normal_noise(&mut self.rng, count, self.generator.model().inputs(), self.generator.device())
    }

    /// D(x) at each of `grid`'s points followed by `samples` of G's points drawn from fixed
    /// noise (so the green curve moves only when G does): one tensor, one readback. Turn it
    /// into curves and statistics with [`Picture::from_view`].
    pub fn view(&self, grid: &[f32], samples: usize) -> Tensor<1> {
        let (generator, discriminator) = (self.generator.valid(), self.discriminator.valid());
        let device = self.generator.device().clone();
        let xs = Tensor::<2>::from_data(TensorData::new(grid.to_vec(), [grid.len(), 1]), &device);
        let z = normal_noise(&mut SmallRng::seed_from_u64(0x6a7), samples, generator.inputs(), &device);
        let d_of_x = sigmoid(discriminator.forward(xs)).flatten::<1>(0, 1);
        Tensor::cat(vec![d_of_x, generator.forward(z).flatten::<1>(0, 1)], 0)
    }

    /// How hard G's loss pushes G's own points: the mean |∂L_G/∂x| over `samples` fixed-noise
    /// points, per point (the loss averages over the batch; this undoes it). Near zero when the
    /// minimax loss meets a discriminator that confidently rejects the fakes: the lecture's
    /// vanishing gradient. One element, not read back.
    pub fn generator_push(&self, samples: usize) -> Tensor<1> {
        let z = normal_noise(
            &mut SmallRng::seed_from_u64(0x6a7),
            samples,
            self.generator.model().inputs(),
            self.generator.device(),
        );
        // G's points as leaves of their own graph: the gradient reaches them, not G's weights.
        let points = self.generator.model().forward(z).detach().require_grad();
        let logits = self.discriminator.model().forward(points.clone()).flatten::<1>(0, 1);
        let grads = generator_loss(logits, self.config.loss).backward();
        let gradient = points.grad(&grads).expect("the points require a gradient");
        gradient.abs().mean().mul_scalar(samples as f32)
    }

    /// Native helper: G's mean and standard deviation over `samples` fixed-noise draws.
    pub fn generator_stats(&self, samples: usize) -> (f32, f32) {
        let values: Vec<f32> = self.view(&[0.0, 1.0], samples).into_data().iter::<f32>().collect();
        let picture = Picture::from_view(&values, &[0.0, 1.0], 1);
        (picture.generator_mean, picture.generator_std)
    }

    /// `count` real samples (the dots), from a generator of their own so drawing them does not
    /// change the training's course.
    pub fn real_samples(&self, count: usize, seed: u64) -> Vec<f32> {
        self.data.sample(&mut SmallRng::seed_from_u64(seed), count)
    }

    pub fn data(&self) -> &RealData {
        &self.data
    }

    pub fn set_data(&mut self, data: RealData) {
        self.data = data;
    }

    pub fn iterations(&self) -> usize {
        self.iterations
    }

    pub fn config(&self) -> &GanTrainingConfig {
        &self.config
    }

    /// Rates, k, the loss and the batch size may change between iterations.
    pub fn config_mut(&mut self) -> &mut GanTrainingConfig {
        &mut self.config
    }

    pub fn gan(&self) -> Gan1d {
        Gan1d { generator: self.generator.valid(), discriminator: self.discriminator.valid() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::gan::GanLoss;

    #[test]
    fn real_data_samples_match_their_stated_moments() {
        let mut rng = SmallRng::seed_from_u64(1);
        for data in [
            RealData::Gaussian { mean: -1.0, std: 0.5 },
            RealData::TwoGaussians { means: [-2.0, 3.0], std: 0.5 },
            RealData::Histogram {
                low: -4.0,
                high: 4.0,
                weights: vec![0.0, 1.0, 3.0, 0.0, 0.0, 2.0, 0.0, 0.0],
            },
        ] {
            let xs = data.sample(&mut rng, 20_000);
            let mean = xs.iter().sum::<f32>() / xs.len() as f32;
            let std = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / xs.len() as f32).sqrt();
            let (m, s) = data.mean_std();
            assert!((mean - m).abs() < 0.05 && (std - s).abs() < 0.05, "{data:?}: {mean} {std} vs {m} {s}");
        }
    }

    #[test]
    fn picture_splits_the_view_into_curve_and_density() {
        let grid = [0.0, 1.0, 2.0];
        let values = [0.1, 0.5, 0.9, 0.5, 0.5, 1.5, 5.0];
        let picture = Picture::from_view(&values, &grid, 2);
        assert_eq!(picture.d_of_x, [0.1, 0.5, 0.9]);
        assert_eq!(picture.generator_density, [0.5, 0.25]); // 2 and 1 of 4 samples, bins 1 wide
        assert!((picture.generator_mean - 1.875).abs() < 1e-6);
    }

    #[test]
    fn densities_integrate_to_one() {
        for data in [
            RealData::one_gaussian(),
            RealData::two_gaussians(),
            RealData::Histogram { low: -2.0, high: 2.0, weights: vec![1.0, 0.0, 3.0, 1.0] },
        ] {
            let step = 0.01;
            let total: f32 = (0..2000).map(|i| data.density(-10.0 + step * i as f32) * step).sum();
            assert!((total - 1.0).abs() < 0.01, "{data:?}: {total}");
        }
    }

    /// The lecture's point about the minimax loss: once D confidently rejects G's points, G's
    /// gradient there all but vanishes; the non-saturating loss still pushes.
    #[test]
    fn a_traced_iteration_shows_the_points_and_the_scores_of_the_same_iteration() {
        let device = Device::flex();
        let gan = Gan1dConfig::new().init(&device);
        let config = || GanTrainingConfig::one_dimensional().with_batch_size(16).with_seed(3);
        let data = RealData::one_gaussian();
        let mut plain = Gan1dTraining::new(gan.clone(), data.clone(), config(), &device);
        let mut traced = Gan1dTraining::new(gan, data, config(), &device);
        let read = |t: Tensor<1>| -> Vec<f32> { t.into_data().iter::<f32>().collect() };
        let stats = read(plain.iteration().packed());
        let (traced_stats, trace) = traced.traced_iteration(5);
        assert_eq!(read(traced_stats.packed()), stats, "tracing changes nothing in the run");
        assert_eq!(trace.fake.dims(), [5, 1]);
        assert_eq!(trace.real.dims(), [5, 1]);
        // G's scores are the updated D's on the very points shown.
        let g_fake = read(trace.g_fake);
        let by_hand = read(sigmoid(traced.gan().discriminator.forward(trace.fake)).flatten(0, 1));
        assert!(
            by_hand.iter().zip(&g_fake).all(|(a, b)| (a - b).abs() < 1e-5),
            "{by_hand:?} against {g_fake:?}"
        );
        assert_ne!(read(trace.d_fake), g_fake, "D's update moved its scores of the fakes");
    }

    #[test]
    fn minimax_push_vanishes_where_d_wins() {
        let device = Device::flex();
        let gan = Gan1dConfig::new().init(&device);
        let far = RealData::Gaussian { mean: 5.0, std: 0.3 };
        let push = |loss| {
            let config = GanTrainingConfig::one_dimensional().with_discriminator_lr(3e-3).with_loss(loss);
            let mut training = Gan1dTraining::new(gan.clone(), far.clone(), config, &device);
            for _ in 0..300 {
                training.step_d();
            }
            training.generator_push(500).into_scalar::<f32>()
        };
        let (minimax, non_saturating) = (push(GanLoss::Minimax), push(GanLoss::NonSaturating));
        assert!(minimax < non_saturating / 10.0, "minimax {minimax} vs non-saturating {non_saturating}");
    }

    #[test]
    fn view_has_one_value_per_grid_point_and_sample() {
        let device = Device::flex();
        let training = Gan1dTraining::new(
            Gan1dConfig::new().init(&device),
            RealData::Gaussian { mean: 0.0, std: 1.0 },
            GanTrainingConfig::one_dimensional(),
            &device,
        );
        let values: Vec<f32> = training.view(&[-1.0, 0.0, 1.0], 5).into_data().iter::<f32>().collect();
        assert_eq!(values.len(), 8);
        assert!(values[..3].iter().all(|d| (0.0..=1.0).contains(d)));
    }
}
