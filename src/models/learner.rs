//! What every model's training shares: the model forked onto its device with gradients on, the
//! optimiser over its parameters, the steps taken, and how a random batch is drawn. Each model's
//! training (`AutoencoderTraining`, `GanTraining`, …) keeps only its loss and its recipe.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use rand::Rng;

/// A model under training and its optimiser.
pub struct Learner<M> {
    model: M,
    optimizer: ModuleOptimizer,
    device: Device,
    steps: usize,
}

impl<M: Module> Learner<M> {
    /// Trains `model` (forked onto `device`, with gradients on) with Adam's default settings.
    pub fn adam(model: M, device: &Device) -> Self {
        Self::new(model, AdamConfig::new().init(), device)
    }

    /// Trains `model` (forked onto `device`, with gradients on) with `optimizer`.
    pub fn new(model: M, optimizer: ModuleOptimizer, device: &Device) -> Self {
        Self { model: model.fork(device).train(), optimizer, device: device.clone(), steps: 0 }
    }

    /// Continues a training that had taken `steps` steps (its optimiser's state restored).
    pub fn resumed(model: M, optimizer: ModuleOptimizer, steps: usize, device: &Device) -> Self {
        Self { steps, ..Self::new(model, optimizer, device) }
    }

    /// Backpropagates `loss`, moves the weights one step at `learning_rate`, counts the step.
    pub fn update(&mut self, loss: &Tensor<1>, learning_rate: f64) {
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optimizer.step(learning_rate, self.model.clone(), grads);
        self.steps += 1;
    }

    /// One step on a batch given as parts of equal size (`crate::parallel::parts()` of them),
    /// run side by side: `loss` gives each part's mean loss and what the caller wants back of
    /// it; each part is backpropagated on a fork of the model of its own (its own autodiff graph:
    /// parts on one graph wait on its lock through each other's backward pass), its loss divided
    /// by the number of parts, and the parts' gradients summed: the gradient of the whole batch's
    /// mean loss. With one part it is [`Self::update`] on that part. Returns what `loss` gave
    /// back for each part, in order.
    pub fn update_in_parts<P: Send, R: Send>(
        &mut self,
        parts: Vec<P>,
        learning_rate: f64,
        loss: impl Fn(&M, P) -> (Tensor<1>, R) + Sync,
    ) -> Vec<R> {
        if parts.len() == 1 {
            let part = parts.into_iter().next().expect("one part");
            let (batch_loss, back) = loss(&self.model, part);
            self.update(&batch_loss, learning_rate);
            return vec![back];
        }
        let forks = self.forks(parts.len()).into_iter().zip(parts).collect();
        self.update_on_forks(forks, learning_rate, loss)
    }

    /// `count` forks of the model being trained, each with an autodiff graph of its own.
    pub fn forks(&self, count: usize) -> Vec<M> {
        (0..count).map(|_| self.model.clone().fork(&self.device)).collect()
    }

    /// [`Self::update_in_parts`] on forks the caller took with [`Self::forks`] (and may already
    /// have run forward: the GAN's fakes come from G's forks before G's own step).
    pub fn update_on_forks<P: Send, R: Send>(
        &mut self,
        forks: Vec<(M, P)>,
        learning_rate: f64,
        loss: impl Fn(&M, P) -> (Tensor<1>, R) + Sync,
    ) -> Vec<R> {
        let count = forks.len() as f64;
        let results = crate::parallel::side_by_side(forks, |(fork, part)| {
            let (part_loss, back) = loss(&fork, part);
            (GradientsParams::from_grads((part_loss / count).backward(), &fork), back)
        });
        let mut sum = GradientsAccumulator::new();
        let backs = results.into_iter().map(|(grads, back)| {
            sum.accumulate(&self.model, grads);
            back
        });
        let backs = backs.collect();
        self.model = self.optimizer.step(learning_rate, self.model.clone(), sum.grads());
        self.steps += 1;
        backs
    }

    /// The model being trained (gradients on): what a step's forward pass runs.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The current weights for inference (no gradient tracking).
    pub fn valid(&self) -> M {
        self.model.valid()
    }

    pub fn optimizer(&self) -> &ModuleOptimizer {
        &self.optimizer
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn steps(&self) -> usize {
        self.steps
    }
}

/// `count` indices of `0..len` drawn uniformly with replacement: a random mini-batch.
pub fn random_indices(rng: &mut impl Rng, count: usize, len: usize) -> Vec<usize> {
    (0..count).map(|_| rng.random_range(0..len)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::{reconstruction_error, AutoencoderConfig};
    use burn::tensor::Distribution;

    /// The weights after one step on a batch in two parts equal those after one step on it
    /// whole: the parts' summed gradients are the batch's (up to float rounding).
    #[test]
    fn a_step_in_parts_equals_a_step_on_the_whole_batch() {
        let device = Device::flex();
        let model = AutoencoderConfig::new(vec![32], 4).init(&device);
        let batch = Tensor::<2>::random([8, 784], Distribution::Uniform(0.0, 1.0), &device);
        let loss = |model: &crate::models::autoencoder::Autoencoder, images: Tensor<2>| {
            let loss = reconstruction_error(model.forward(images.clone()), images);
            (loss.clone(), loss.detach())
        };
        // Plain SGD: Adam's first step does not see the gradient's scale.
        let sgd = || burn::optim::SgdConfig::new().init();
        let mut whole = Learner::new(model.clone(), sgd(), &device);
        let mut in_parts = Learner::new(model, sgd(), &device);
        let whole_loss = whole.update_in_parts(vec![batch.clone()], 1.0, loss);
        let part_losses = in_parts.update_in_parts(batch.chunk(2, 0), 1.0, loss);
        assert_eq!(part_losses.len(), 2);
        let mean: f32 = Tensor::cat(part_losses, 0).mean().into_scalar();
        let whole_mean: f32 = whole_loss[0].clone().into_scalar();
        assert!((mean - whole_mean).abs() < 1e-5, "{mean} in parts against {whole_mean} whole");
        let flatten = |learner: &Learner<crate::models::autoencoder::Autoencoder>| -> Vec<f32> {
            let layers = learner
                .valid()
                .encoder_layers()
                .iter()
                .chain(learner.valid().decoder_layers())
                .cloned()
                .collect::<Vec<_>>();
            layers
                .iter()
                .flat_map(|layer| layer.weight.val().into_data().try_to_vec::<f32>().unwrap())
                .collect()
        };
        let (a, b) = (flatten(&whole), flatten(&in_parts));
        let before = flatten(&Learner::adam(AutoencoderConfig::new(vec![32], 4).init(&device), &device));
        assert_eq!(a.len(), b.len());
        let largest = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(largest < 1e-5, "weights differ by up to {largest}");
        // And the step moved them.
        assert!(a.iter().zip(&before).any(|(x, y)| (x - y).abs() > 1e-4));
    }
}
