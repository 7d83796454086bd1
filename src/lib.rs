//! latent-lab: unsupervised deep-learning models in burn, for the browser (WebGPU or CPU) and for
//! native training and tests.

pub mod data;
pub mod models;
pub mod error;
pub mod weights;
pub mod backend;

#[cfg(target_arch = "wasm32")]
pub mod web;
