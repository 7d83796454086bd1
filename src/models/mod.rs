pub mod autoencoder;
pub mod vae;
pub mod gan;
pub mod classifier;
pub mod gan1d;
