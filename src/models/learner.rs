//! What every model's training shares: the model forked onto its device with gradients on, the
//! optimiser over its parameters, the steps taken, and how a random batch is drawn. Each model's
//! training (`AutoencoderTraining`, `GanTraining`, …) keeps only its loss and its recipe.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
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
