pub mod autoencoder;
pub mod classifier;
pub mod gan;
pub mod gan1d;
pub mod vae;
