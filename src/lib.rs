//! latent-lab: unsupervised deep-learning models in burn, for the browser (WebGPU or CPU) and for
//! native training and tests.

pub mod backend;
pub mod data;
pub mod error;
#[cfg(not(target_arch = "wasm32"))]
pub mod figures;
pub mod message;
pub mod models;
pub mod parallel;
pub mod retrieval;
#[cfg(not(target_arch = "wasm32"))]
pub mod training;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod web;
