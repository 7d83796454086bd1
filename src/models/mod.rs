pub mod autoencoder;
pub mod classifier;
pub mod compare;
pub mod contractive;
pub mod conv_autoencoder;
pub mod gan;
pub mod gan1d;
pub mod learner;
pub mod likeness;
pub mod pca;
pub mod pixelrnn;
pub mod pretraining;
pub mod sentence_vae;
pub mod text_autoencoder;
pub mod vae;

use burn::tensor::Device;

/// A fresh model whose initial weights depend only on `seed`: drawn on the CPU backend (seeding
/// its RNG, which is process-wide), so every backend starts alike once a training forks it onto
/// its device. Reproducible as long as no other thread draws from that RNG meanwhile.
pub fn seeded<M>(seed: u64, init: impl FnOnce(&Device) -> M) -> M {
    let cpu = Device::flex();
    cpu.seed(seed);
    init(&cpu)
}
