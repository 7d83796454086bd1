pub mod autoencoder;
pub mod gan;
pub mod classifier;
pub mod gan1d;
