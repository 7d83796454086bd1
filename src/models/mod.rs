pub mod autoencoder;
pub mod gan;
pub mod classifier;
