//! The variational auto-encoder of lectures 17–18: the encoder gives a mean and a log-variance
//! per code dimension, the code is sampled from that Gaussian (noise on the code, where a
//! denoising AE puts it on the input), and the loss adds to the reconstruction error a KL term
//! that keeps the codes near a unit Gaussian, so the code space stays smooth.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{log_sigmoid, relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor};

#[derive(Config, Debug)]
pub struct VaeConfig {
    /// Width of the encoder's hidden layer (the decoder mirrors it).
    pub hidden: usize,
    /// Size of the code: the number of means (and of log-variances).
    pub code: usize,
    #[config(default = 784)]
    pub input: usize,
}

impl VaeConfig {
    /// The VAE of the `vae-step` benchmark workload (Kingma & Welling's MNIST set-up):
    /// 784-400-(20, 20) / 20-400-784, 652,824 parameters.
    pub fn workload() -> Self {
        Self::new(400, 20)
    }

    pub fn init(&self, device: &Device) -> Vae {
        let linear = |i, o| LinearConfig::new(i, o).init(device);
        Vae {
            hidden: linear(self.input, self.hidden),
            mean: linear(self.hidden, self.code),
            log_variance: linear(self.hidden, self.code),
            decoder_hidden: linear(self.code, self.hidden),
            decoder_output: linear(self.hidden, self.input),
        }
    }
}

#[derive(Module, Debug)]
pub struct Vae {
    hidden: Linear,
    mean: Linear,
    log_variance: Linear,
    decoder_hidden: Linear,
    decoder_output: Linear,
}

/// What the encoder says of a batch: `[batch, code]` each.
pub struct Posterior {
    pub mean: Tensor<2>,
    pub log_variance: Tensor<2>,
}

impl Vae {
    /// `[batch, 784]` in [0, 1] → the Gaussian each image's code is drawn from.
    pub fn encode(&self, images: Tensor<2>) -> Posterior {
        let h = relu(self.hidden.forward(images));
        Posterior { mean: self.mean.forward(h.clone()), log_variance: self.log_variance.forward(h) }
    }

    /// `[batch, code]` → `[batch, 784]` logits; [`Vae::decode`] gives pixels.
    pub fn decode_logits(&self, codes: Tensor<2>) -> Tensor<2> {
        self.decoder_output.forward(relu(self.decoder_hidden.forward(codes)))
    }

    /// `[batch, code]` → `[batch, 784]` in (0, 1).
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode_logits(codes))
    }

    /// The negative ELBO per image, averaged over the batch: the reconstruction term (binary
    /// cross-entropy summed over pixels) plus the KL divergence from the unit Gaussian (summed
    /// over code dimensions). The code is sampled with the reparameterisation trick, so the
    /// noise comes from the device's generator.
    pub fn loss(&self, images: Tensor<2>) -> Tensor<1> {
        let Posterior { mean, log_variance } = self.encode(images.clone());
        let noise = Tensor::random(mean.shape(), Distribution::Normal(0.0, 1.0), &mean.device());
        let codes = mean.clone() + (log_variance.clone() * 0.5).exp() * noise;
        let reconstruction = binary_cross_entropy_with_logits(self.decode_logits(codes), images);
        // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (σ² + μ² − 1 − log σ²)
        let kl = (log_variance.clone().exp() + mean.powi_scalar(2) - log_variance - 1.0).sum_dim(1) * 0.5;
        (reconstruction + kl).mean()
    }
}

/// Binary cross-entropy of `targets` under Bernoulli `logits`, summed over each row: `[batch, 1]`.
/// Written as x(1 − t) − log σ(x), which never takes the log of a rounded-off probability.
fn binary_cross_entropy_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<2> {
    (logits.clone() * (targets.neg() + 1.0) - log_sigmoid(logits)).sum_dim(1)
}

#[derive(Config, Debug)]
pub struct VaeTrainingConfig {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
}

/// One Adam step at a time: the benchmark, the trainer and the page call the same step.
pub struct VaeTraining {
    model: Vae,
    optimizer: ModuleOptimizer,
    config: VaeTrainingConfig,
    device: Device,
}

impl VaeTraining {
    /// Trains `model` (forked onto `device`, with gradients on).
    pub fn new(model: Vae, config: VaeTrainingConfig, device: &Device) -> Self {
        Self { model: model.fork(device).train(), optimizer: AdamConfig::new().init(), config, device: device.clone() }
    }

    /// One optimiser step on `images` (`[batch, 784]` in [0, 1]); returns the loss, not yet read.
    pub fn step(&mut self, images: Tensor<2>) -> Tensor<1> {
        let loss = self.model.loss(images.to_device(&self.device));
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optimizer.step(self.config.learning_rate, self.model.clone(), grads);
        loss.detach()
    }

    /// The current weights for inference (no gradient tracking).
    pub fn model(&self) -> Vae {
        self.model.valid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::mnist::tests::synthetic;
    use crate::data::mnist::Mnist;

    #[test]
    fn the_workload_vae_has_its_parameter_count() {
        assert_eq!(VaeConfig::workload().init(&Device::flex()).num_params(), 652_824);
    }

    #[test]
    fn the_loss_matches_its_definition_on_a_known_case() {
        // Zero weights: logits 0 (BCE = 784·log 2 whatever the targets), μ = 0 and log σ² = 0
        // (KL = 0), whatever noise is drawn.
        let device = Device::flex();
        let vae = VaeConfig::new(8, 2).init(&device).map(&mut Zeroed);
        let images = Tensor::<2>::random([4, 784], Distribution::Uniform(0.0, 1.0), &device);
        let loss: f32 = vae.loss(images).into_scalar();
        let expected = 784.0 * std::f32::consts::LN_2;
        assert!((loss - expected).abs() < 1e-2, "loss {loss}, expected {expected}");
    }

    #[test]
    fn a_few_steps_lower_the_loss() {
        let device = Device::flex();
        device.seed(5);
        let data = Mnist::parse(&synthetic(40), "synthetic").unwrap();
        let images = data.batch(&(0..40).collect::<Vec<_>>(), &device);
        let mut training = VaeTraining::new(VaeConfig::new(64, 4).init(&device), VaeTrainingConfig::new(), &device);
        let first: f32 = training.step(images.clone()).into_scalar();
        let mut last = first;
        for _ in 0..30 {
            last = training.step(images.clone()).into_scalar();
        }
        // Measured 549 → 331 (the targets' own entropy, the floor, is 198).
        assert!(last < first * 0.7, "loss {first} → {last}");
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
