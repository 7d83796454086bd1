//! Benchmark workloads, timed in the browser on the page's own runtime: `ae-latency` and
//! `ae-throughput` of `shared/bench/WORKLOADS.md`, plus `ae-train-step` (one training step of the
//! page's own auto-encoder, as "Train it here" runs it). Each timed run ends with its result
//! read back, so queued GPU work is counted.

use burn::module::Module;
use burn::tensor::{Distribution, Tensor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{now_ms, read, to_js, Runtime};
use crate::backend::Backend;
use crate::data::mnist::{Mnist, PIXELS};
use crate::models::autoencoder::{Autoencoder, AutoencoderConfig, AutoencoderTraining, TrainingConfig};

#[derive(Serialize)]
struct BenchResult {
    workload: String,
    backend: String,
    median: f64,
    unit: &'static str,
    runs: u32,
    warmup: u32,
    batch: usize,
    min: f64,
    max: f64,
    params: usize,
    adapter: String,
}

/// What one timed run does.
enum Work {
    /// Deep AE forward pass, reconstruction read back.
    Forward { model: Autoencoder, input: Tensor<2> },
    /// One Adam step of the page's AE on random digits, loss read back.
    TrainStep { training: AutoencoderTraining, data: Mnist },
}

impl Work {
    async fn run(&mut self) -> Result<(), JsError> {
        match self {
            Work::Forward { model, input } => read(model.forward(input.clone())).await.map(drop),
            Work::TrainStep { training, data } => read(training.step(data)).await.map(drop),
        }
    }

    fn params(&self) -> usize {
        match self {
            Work::Forward { model, .. } => model.num_params(),
            Work::TrainStep { training, .. } => training.model().num_params(),
        }
    }
}

/// Runs one workload and resolves to its JSON result line (as an object).
#[wasm_bindgen]
pub async fn benchmark(
    runtime: &Runtime,
    workload: String,
    runs: u32,
    warmup: u32,
) -> Result<JsValue, JsError> {
    let device = runtime.device.clone();
    let (batch, unit) = match workload.as_str() {
        "ae-latency" => (1, "ms per call"),
        "ae-throughput" => (256, "images/s"),
        "ae-train-step" => (64, "steps/s"),
        other => return Err(JsError::new(&format!("unknown workload \"{other}\""))),
    };
    let mut work = if workload == "ae-train-step" {
        let mut rng = SmallRng::seed_from_u64(1);
        let count = 1024;
        let data = Mnist::from_parts(
            (0..count * PIXELS).map(|_| rng.random()).collect(),
            (0..count).map(|i| (i % 10) as u8).collect(),
        );
        let config = TrainingConfig::new().with_batch_size(batch);
        let training = AutoencoderTraining::new(AutoencoderConfig::shipped().init(&device), config, &device);
        Work::TrainStep { training, data }
    } else {
        let model = AutoencoderConfig::deep().init(&device);
        let input = Tensor::<2>::random([batch, PIXELS], Distribution::Uniform(0.0, 1.0), &device);
        Work::Forward { model, input }
    };
    let mut samples = Vec::new();
    for run in 0..warmup + runs {
        let started = now_ms();
        work.run().await?;
        let ms = (now_ms() - started).max(1e-3);
        if run >= warmup {
            samples.push(match unit {
                "ms per call" => ms,
                "images/s" => batch as f64 * 1000.0 / ms,
                _ => 1000.0 / ms,
            });
        }
    }
    samples.sort_by(f64::total_cmp);
    let backend = match runtime.info.backend {
        Backend::Webgpu => "webgpu".to_string(),
        Backend::Cpu => format!("cpu-{}", runtime.info.detail),
    };
    to_js(&BenchResult {
        workload,
        backend,
        median: round3(samples[samples.len() / 2]),
        unit,
        runs,
        warmup,
        batch,
        min: round3(samples[0]),
        max: round3(samples[samples.len() - 1]),
        params: work.params(),
        adapter: runtime.info.detail.clone(),
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
