pub mod autoencoder;
