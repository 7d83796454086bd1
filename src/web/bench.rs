//! The shared benchmark workloads (`shared/bench/WORKLOADS.md`) that this page implements, timed
//! in the browser on the page's own runtime. Each timed run ends with its result read back, so
//! queued GPU work is counted.

use burn::module::Module;
use burn::tensor::{Distribution, Tensor};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{now_ms, read, to_js, Runtime};
use crate::backend::Backend;
use crate::data::mnist::PIXELS;
use crate::models::autoencoder::AutoencoderConfig;

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

/// Runs one workload ("ae-latency" or "ae-throughput") and resolves to its result line.
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
        other => return Err(JsError::new(&format!("unknown workload \"{other}\""))),
    };
    let model = AutoencoderConfig::deep().init(&device);
    let input = Tensor::<2>::random([batch, PIXELS], Distribution::Uniform(0.0, 1.0), &device);
    let mut samples = Vec::new();
    for run in 0..warmup + runs {
        let started = now_ms();
        read(model.forward(input.clone())).await?;
        let ms = now_ms() - started;
        if run >= warmup {
            samples.push(if batch == 1 { ms } else { batch as f64 * 1000.0 / ms.max(1e-3) });
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
        params: model.num_params(),
        adapter: runtime.info.detail.clone(),
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
