//! Timing in the browser: the backend measurement behind "auto", and the benchmark workloads
//! run on the page's own runtime: `ae-latency`, `ae-throughput`, `vae-step`, `gan-step` and
//! `pixel-sample` of `shared/bench/WORKLOADS.md` (fixed reference models, whatever the demos use;
//! `pixel-sample` paints with the PixelRNN demo's binary model shape), plus
//! `ae-train-step` (one training step of the page's own auto-encoder, as "Train it here" runs
//! it) and `gan-live-step` (one iteration of the GAN demo's live MLP GAN, as "play" runs it). Each timed run ends with its result read back, so queued GPU work is counted.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{in_parts, now_ms, on_pool, read, to_js, Runtime};
use crate::backend::{Backend, Speed};
use crate::data::mnist::{Mnist, PIXELS};
use crate::models::autoencoder::{Autoencoder, AutoencoderConfig, AutoencoderTraining, TrainingConfig};
use crate::models::gan::{GanConfig, GanTraining, GanTrainingConfig};
use crate::models::pixelrnn::{PixelKind, PixelRnn, PixelRnnConfig, PixelSampler};
use crate::models::vae::{VaeConfig, VaeTraining, VaeTrainingConfig};

#[derive(Serialize)]
struct BenchResult {
    workload: String,
    backend: String,
    median: f64,
    unit: &'static str,
    runs: u32,
    /// Untimed runs before the timed ones: as asked, or more to fill `WARMUP_MS`.
    warmup: u32,
    batch: usize,
    min: f64,
    max: f64,
    params: usize,
    adapter: String,
}

/// What one timed run does.
#[allow(clippy::large_enum_variant)] // one Work lives per benchmark run
enum Work {
    /// An AE forward pass, reconstruction read back.
    Forward { model: Autoencoder, input: Tensor<2> },
    /// One Adam step of the page's AE on random digits, loss read back.
    TrainStep { training: AutoencoderTraining, data: Mnist },
    /// One Adam step of the workload VAE on a fixed batch resident on the device, loss read back.
    VaeStep { training: VaeTraining, images: Tensor<2> },
    /// One iteration of the workload DCGAN (a D step on a real and a fake batch, then a G step)
    /// on a fixed real batch resident on the device, losses read back.
    GanStep { training: GanTraining, real: Tensor<4> },
    /// One iteration of the GAN demo's live MLP GAN at its live settings, real digits drawn from
    /// a set as the page draws them, losses read back: the page's "play" without its grid.
    GanLive { training: GanTraining, data: Mnist },
    /// A whole `batch` of binary PixelRNN digits painted pixel by pixel (784 sequential steps,
    /// the state carried forward), the images read back at the end. Sampling costs the same
    /// whatever the weights, so the shipped shape with fresh weights stands for the shipped model.
    PixelSample { model: PixelRnn, batch: usize, device: Device },
    /// A plain square matrix product, its sum read back: the machine's arithmetic limit through
    /// the same backend, to say how close each workload comes to it.
    Matmul { lhs: Tensor<2>, rhs: Tensor<2> },
}

impl Work {
    fn forward(config: &AutoencoderConfig, batch: usize, device: &Device) -> Self {
        let model = config.init(device);
        let input = Tensor::<2>::random([batch, PIXELS], Distribution::Uniform(0.0, 1.0), device);
        Work::Forward { model, input }
    }

    fn train_step(batch: usize, device: &Device) -> Self {
        let data = random_digits(1024);
        let config = TrainingConfig::new().with_batch_size(batch);
        let training = AutoencoderTraining::new(AutoencoderConfig::shipped().init(device), config, device);
        Work::TrainStep { training, data }
    }

    fn gan_step(batch: usize, device: &Device) -> Self {
        let config = GanTrainingConfig::new().with_batch_size(batch).with_seed(1);
        let training = GanTraining::from_scratch(&GanConfig::workload(), config, device);
        let real = Tensor::<4>::random([batch, 1, 28, 28], Distribution::Uniform(-1.0, 1.0), device);
        Work::GanStep { training, real }
    }

    fn gan_live_step(device: &Device) -> Self {
        let config = GanTrainingConfig::live().with_seed(1);
        let training = GanTraining::from_scratch(&GanConfig::live(), config, device);
        Work::GanLive { training, data: random_digits(1024) }
    }

    fn vae_step(batch: usize, device: &Device) -> Self {
        let training = VaeTraining::new(VaeConfig::workload().init(device), VaeTrainingConfig::new(), device);
        let images = Tensor::<2>::random([batch, PIXELS], Distribution::Uniform(0.0, 1.0), device);
        Work::VaeStep { training, images }
    }

    /// The work on the pool as the sessions run theirs (`on_pool`), then its result read back.
    async fn run(&mut self) -> Result<(), JsError> {
        let result = on_pool(|| match self {
            Work::Forward { model, input } => in_parts(input.clone(), |part| model.forward(part)),
            Work::TrainStep { training, data } => training.step(data).unsqueeze(),
            Work::VaeStep { training, images } => training.step(images.clone()).unsqueeze(),
            Work::GanStep { training, real } => training.iteration(real.clone()).packed().unsqueeze(),
            Work::GanLive { training, data } => training.train_on(data).packed().unsqueeze(),
            Work::PixelSample { model, batch, device } => {
                let seeds: Vec<u64> = (0..*batch as u64).collect();
                let mut sampler = PixelSampler::new(model.clone(), &seeds, None, 1.0, device);
                while !sampler.done() {
                    sampler.step();
                }
                sampler.images().flatten::<1>(0, 2).unsqueeze()
            }
            Work::Matmul { lhs, rhs } => lhs.clone().matmul(rhs.clone()).sum().unsqueeze(),
        });
        read::<2>(result).await.map(drop)
    }

    /// Milliseconds of each of `runs` runs, sorted, after untimed ones: at least `warmup` of them,
    /// and more until `warmup_ms` have passed; and how many untimed runs there were.
    async fn time(&mut self, runs: u32, warmup: u32, warmup_ms: f64) -> Result<(Vec<f64>, u32), JsError> {
        let warming = now_ms();
        let mut warmed = 0;
        while warmed < warmup || now_ms() - warming < warmup_ms {
            self.run().await?;
            warmed += 1;
        }
        let mut samples = Vec::new();
        for _ in 0..runs {
            let started = now_ms();
            self.run().await?;
            samples.push((now_ms() - started).max(1e-3));
        }
        samples.sort_by(f64::total_cmp);
        Ok((samples, warmed))
    }

    fn params(&self) -> usize {
        match self {
            Work::Forward { model, .. } => model.num_params(),
            Work::TrainStep { training, .. } => training.model().num_params(),
            Work::VaeStep { training, .. } => training.model().num_params(),
            Work::GanStep { training, .. } | Work::GanLive { training, .. } => training.gan().num_params(),
            Work::PixelSample { model, .. } => model.num_params(),
            Work::Matmul { .. } => 0,
        }
    }
}

/// `count` random digits with labels 0–9 in turn: training data whose values do not change the time.
fn random_digits(count: usize) -> Mnist {
    let mut rng = SmallRng::seed_from_u64(1);
    Mnist::from_parts(
        (0..count * PIXELS).map(|_| rng.random()).collect(),
        (0..count).map(|i| (i % 10) as u8).collect(),
    )
}

/// Side of the square matrices of `matmul-peak`: large enough for gemm's blocking to pay off.
const MATMUL_SIZE: usize = 1024;

/// The least warm-up of a benchmark workload, in time. V8 runs a fresh module's functions from
/// its baseline compiler until their optimised code is ready, which for the 40 MB benchmark
/// build on 2 cores took seconds: `ae-throughput` on one thread measured 1,930–2,127 images/s
/// after 3 warm-up runs and 3,912–5,125 after 60 (three alternated rounds, 2026-12-02). That was
/// the "regression" of issue 29, whatever the commit.
const WARMUP_MS: f64 = 3000.0;

/// How fast `device` runs what the page does: a drawn digit through the shipped AE, and a
/// training step at the page's batch size (medians of a few runs after a warm-up).
pub async fn measure_speed(device: &Device) -> Result<Speed, JsError> {
    let median = |(samples, _): (Vec<f64>, u32)| samples[samples.len() / 2];
    // The page waits for this choice: warm-up by count only.
    let draw_ms = median(Work::forward(&AutoencoderConfig::shipped(), 1, device).time(5, 2, 0.0).await?);
    let batch = TrainingConfig::new().batch_size;
    let train_step_ms = median(Work::train_step(batch, device).time(3, 1, 0.0).await?);
    Ok(Speed { draw_ms, train_step_ms })
}

/// Runs one workload and resolves to its JSON result line (as an object).
#[wasm_bindgen]
pub async fn benchmark(
    runtime: &Runtime,
    workload: String,
    runs: u32,
    warmup: u32,
) -> Result<JsValue, JsError> {
    let device = &runtime.device;
    let (mut work, batch, unit) = match workload.as_str() {
        "ae-latency" => (Work::forward(&AutoencoderConfig::deep(), 1, device), 1, "ms per call"),
        "ae-throughput" => (Work::forward(&AutoencoderConfig::deep(), 256, device), 256, "images/s"),
        "ae-train-step" => (Work::train_step(64, device), 64, "steps/s"),
        "vae-step" => (Work::vae_step(128, device), 128, "steps/s"),
        "gan-step" => (Work::gan_step(64, device), 64, "iterations/s"),
        "gan-live-step" => {
            let batch = GanTrainingConfig::live().batch_size;
            (Work::gan_live_step(device), batch, "iterations/s")
        }
        "pixel-sample" => {
            // The workload's reference shape (one Row LSTM layer of 64, unlabelled), fixed so the
            // figures compare across releases whatever the demo ships.
            let model = PixelRnnConfig::new(PixelKind::Binary).init(device);
            (Work::PixelSample { model, batch: 16, device: device.clone() }, 16, "ms per batch")
        }
        "matmul-peak" => {
            let [lhs, rhs] =
                [0, 1].map(|_| Tensor::<2>::random([MATMUL_SIZE; 2], Distribution::Default, device));
            (Work::Matmul { lhs, rhs }, MATMUL_SIZE, "GFLOP/s")
        }
        other => return Err(JsError::new(&format!("unknown workload \"{other}\""))),
    };
    // Fastest run gives the best rate: convert before picking min and max.
    let (samples, warmup) = work.time(runs, warmup, WARMUP_MS).await?;
    let mut values: Vec<f64> = samples
        .into_iter()
        .map(|ms| match unit {
            "ms per call" | "ms per batch" => ms,
            "images/s" => batch as f64 * 1000.0 / ms,
            "GFLOP/s" => 2.0 * (MATMUL_SIZE as f64).powi(3) / (ms * 1e6),
            _ => 1000.0 / ms,
        })
        .collect();
    values.sort_by(f64::total_cmp);
    let backend = match runtime.info.backend {
        Backend::Webgpu => "webgpu".to_string(),
        Backend::Cpu => format!("cpu-{}", runtime.info.detail),
    };
    to_js(&BenchResult {
        workload,
        backend,
        median: round3(values[values.len() / 2]),
        unit,
        runs,
        warmup,
        batch,
        min: round3(values[0]),
        max: round3(values[values.len() - 1]),
        params: work.params(),
        adapter: runtime.info.detail.clone(),
    })
}

/// Numbers that must not depend on how many threads computed them: a seeded deep AE's forward
/// pass at batch 256 (large enough for flex to split its matrix products across threads), and
/// the losses of three seeded training steps of the page's AE and of the workload VAE.
#[wasm_bindgen]
pub async fn fingerprint(runtime: &Runtime) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Fingerprint {
        forward: Vec<f32>,
        ae_losses: Vec<f32>,
        vae_losses: Vec<f32>,
    }
    let device = &runtime.device;
    device.seed(11);
    let Work::Forward { model, input } = Work::forward(&AutoencoderConfig::deep(), 256, device) else {
        unreachable!("Work::forward builds a forward pass")
    };
    let forward = read(model.forward(input)).await?;
    let Work::TrainStep { mut training, data } = Work::train_step(64, device) else {
        unreachable!("Work::train_step builds a training step")
    };
    let mut ae_losses = Vec::new();
    for _ in 0..3 {
        ae_losses.extend(read(training.step(&data)).await?);
    }
    let Work::VaeStep { mut training, images } = Work::vae_step(128, device) else {
        unreachable!("Work::vae_step builds a VAE step")
    };
    let mut vae_losses = Vec::new();
    for _ in 0..3 {
        vae_losses.extend(read(training.step(images.clone())).await?);
    }
    to_js(&Fingerprint { forward, ae_losses, vae_losses })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
