pub mod autoencoder;
pub mod gan;
