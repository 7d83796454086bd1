//! The GAN demo's MNIST session: a GAN trained live in chunks, each chunk ending with one
//! readback of its mean figures, the samples of a fixed-noise grid and the shipped classifier's
//! reading of those samples (the quality signal the losses do not give).

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{check_device, grid_rgba, in_range, now_ms, on_pool, read, to_js, Digits, Runtime};
use crate::data::mnist::PIXELS;
use crate::error::FileError;
use crate::message::Message;
use crate::models::classifier::{judge, Classifier, ClassifierConfig, Judgement, CLASSES};
use crate::models::gan::{
    fixed_noise, to_unit_pixels, DcganConfig, Gan, GanConfig, GanLoss, GanTraining, GanTrainingConfig,
    IterationTrace, DIGITS,
};
use crate::weights;

/// The sample grid: DIGITS' samples and noise, so what the page judges is what the native test
/// judges.
const GRID_ROWS: usize = 10;
const GRID_COLS: usize = DIGITS.samples / GRID_ROWS;
/// A played chunk aims at this wall time: long enough to share the readback and the judging
/// among several iterations, short enough for a calm, frequent redraw and a prompt pause.
const CHUNK_TARGET_MS: f64 = 250.0;
/// Samples of each batch a slow-motion iteration shows (the 1-D GAN's too).
pub(super) const TRACED: usize = 8;
const TRACED_ROWS: usize = 2;

/// What defines a run, as the page's controls (and URL) say.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    model: String,
    seed: u32,
    lr_g: f64,
    lr_d: f64,
    k: usize,
    batch: usize,
    loss: String,
}

impl Settings {
    fn parse(value: JsValue) -> Result<Self, JsError> {
        let settings: Settings = serde_wasm_bindgen::from_value(value)?;
        in_range("G's learning rate", settings.lr_g, 1e-6, 0.1)?;
        in_range("D's learning rate", settings.lr_d, 1e-6, 0.1)?;
        in_range("k", settings.k as f64, 1.0, 10.0)?;
        in_range("the batch size", settings.batch as f64, 8.0, 256.0)?;
        settings.model()?;
        settings.gan_loss()?;
        Ok(settings)
    }

    fn model(&self) -> Result<GanConfig, JsError> {
        match self.model.as_str() {
            "mlp" => Ok(GanConfig::live()),
            "dcgan-small" => Ok(GanConfig::Dcgan(DcganConfig::small())),
            "dcgan" => Ok(GanConfig::workload()),
            other => Err(JsError::new(&format!("unknown GAN model \"{other}\""))),
        }
    }

    fn gan_loss(&self) -> Result<GanLoss, JsError> {
        self.loss.parse().map_err(|e: String| JsError::new(&e))
    }

    /// The training settings; Adam's betas are the live defaults'.
    fn apply(&self, config: &mut GanTrainingConfig) -> Result<(), JsError> {
        config.generator_lr = self.lr_g;
        config.discriminator_lr = self.lr_d;
        config.d_steps = self.k;
        config.batch_size = self.batch;
        config.loss = self.gan_loss()?;
        config.seed = self.seed.into();
        Ok(())
    }

    fn training_config(&self) -> Result<GanTrainingConfig, JsError> {
        let mut config = GanTrainingConfig::live();
        self.apply(&mut config)?;
        Ok(config)
    }
}

/// The classifier's reading of a set of images, for the page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reading {
    histogram: [usize; CLASSES],
    confident: [usize; CLASSES],
    confident_share: f32,
    coverage: usize,
    inception_score: f32,
    /// Digits with fewer than DIGITS' `min_per_class` confident samples.
    missing: Vec<usize>,
    /// Whether to warn of missing digits: some are missing while most samples already read as
    /// digits (early on, everything is missing because nothing is a digit yet).
    warn_missing: bool,
    /// Whether these images meet DIGITS' bar ("recognisable digits").
    digits: bool,
    /// Per image: the class read and its probability.
    classes: Vec<u8>,
    confidences: Vec<f32>,
}

impl Reading {
    fn new(probabilities: &[f32]) -> Self {
        let judged: Judgement = judge(probabilities, DIGITS.confidence, DIGITS.min_per_class);
        let (classes, confidences) = probabilities
            .chunks_exact(CLASSES)
            .map(|row| {
                let (class, p) =
                    row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("10 classes");
                (class as u8, *p)
            })
            .unzip();
        let missing: Vec<usize> =
            (0..CLASSES).filter(|&c| judged.confident[c] < DIGITS.min_per_class).collect();
        Reading {
            warn_missing: !missing.is_empty() && judged.confident_share > DIGITS.share,
            missing,
            digits: DIGITS.met_by(&judged),
            histogram: judged.histogram,
            confident: judged.confident,
            confident_share: judged.confident_share,
            coverage: judged.coverage,
            inception_score: judged.inception_score,
            classes,
            confidences,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    /// Full iterations (k D steps and a G step) since the start.
    iterations: usize,
    d_steps: usize,
    g_steps: usize,
    /// The chunk's mean figures; absent when the chunk did not measure them (a lone G step has
    /// no D loss; a redraw measures nothing).
    d_loss: Option<f32>,
    g_loss: Option<f32>,
    d_real: Option<f32>,
    d_fake: Option<f32>,
    /// The fixed-noise grid, `rows`×`cols` digits of 28×28, as one RGBA image at scale 1.
    samples: ByteBuf,
    rows: usize,
    cols: usize,
    reading: Reading,
    /// Of this chunk, including the samples and their reading.
    iterations_per_second: Option<f64>,
    /// Time spent training since the start (played chunks and single steps), in seconds.
    training_seconds: f64,
    /// When the grid first met DIGITS' bar: `[iterations, training seconds]`.
    digits_at: Option<(usize, f64)>,
    /// A slow-motion iteration's stages (work "slow").
    trace: Option<Trace>,
}

/// One iteration's stages for the training loop's diagram ([`IterationTrace`]), read back with
/// the report: the first [`TRACED`] samples of the batches, as images.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Trace {
    /// G's fakes and the real digits, each `rows`×`cols` digits of 28×28, RGBA.
    fakes: ByteBuf,
    reals: ByteBuf,
    rows: usize,
    cols: usize,
    #[serde(flatten)]
    scores: TraceScores,
}

/// What a slow-motion iteration shows besides its samples (the MNIST and the 1-D GAN alike).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TraceScores {
    /// D's scores of the reals and the fakes before its update, and of the same fakes after it.
    d_real: Vec<f32>,
    d_fake: Vec<f32>,
    g_fake: Vec<f32>,
    /// On the whole batches: D's loss (its last of k steps) and G's.
    d_loss: f32,
    g_loss: f32,
    k: usize,
    batch: usize,
    /// The iteration's own time, readback included, ms.
    millis: f64,
}

impl TraceScores {
    /// `[d_real, d_fake, g_fake, d_loss, g_loss]` of `trace`, flat, for the one readback.
    pub(super) fn parts<const D: usize>(trace: &IterationTrace<D>) -> Vec<Tensor<1>> {
        [&trace.d_real, &trace.d_fake, &trace.g_fake, &trace.d_loss, &trace.g_loss]
            .into_iter()
            .cloned()
            .collect()
    }

    /// From what [`TraceScores::parts`] gave for `shown` samples, read back.
    pub(super) fn from_values(values: &[f32], shown: usize, k: usize, batch: usize, millis: f64) -> Self {
        let scores = |i: usize| values[i * shown..(i + 1) * shown].to_vec();
        TraceScores {
            d_real: scores(0),
            d_fake: scores(1),
            g_fake: scores(2),
            d_loss: values[3 * shown],
            g_loss: values[3 * shown + 1],
            k,
            batch,
            millis,
        }
    }
}

impl Trace {
    /// The tensors [`trace_parts`] laid out, read back.
    fn from_values(values: &[f32], k: usize, batch: usize, millis: f64) -> Self {
        let (images, rest) = values.split_at(2 * TRACED * PIXELS);
        let (fakes, reals) = images.split_at(TRACED * PIXELS);
        Trace {
            fakes: ByteBuf::from(grid_rgba(fakes, TRACED_ROWS, TRACED / TRACED_ROWS)),
            reals: ByteBuf::from(grid_rgba(reals, TRACED_ROWS, TRACED / TRACED_ROWS)),
            rows: TRACED_ROWS,
            cols: TRACED / TRACED_ROWS,
            scores: TraceScores::from_values(rest, TRACED, k, batch, millis),
        }
    }
}

/// An iteration's trace as one flat tensor: fakes and reals in [0, 1], then the scores.
fn trace_parts(trace: IterationTrace<4>) -> Tensor<1> {
    let pixels = |images| to_unit_pixels(images).reshape([TRACED * PIXELS]);
    let scores = TraceScores::parts(&trace);
    Tensor::cat([vec![pixels(trace.fake), pixels(trace.real)], scores].concat(), 0)
}

struct Run {
    training: GanTraining,
    d_steps: usize,
    g_steps: usize,
    grid_noise: Tensor<2>,
    iterations_per_chunk: usize,
    training_ms: f64,
    digits_at: Option<(usize, f64)>,
}

/// What one call to `train_chunk` does.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    /// As many iterations as fit the chunk's target time.
    Play,
    Iteration,
    /// One iteration with its stages' tensors, for slow motion.
    Slow,
    DiscriminatorStep,
    GeneratorStep,
    /// No training: the grid and its reading (after new noise or loaded weights).
    Redraw,
}

#[wasm_bindgen]
pub struct GanSession {
    device: Device,
    classifier: Classifier,
    classifier_loaded: bool,
    /// The checkpoint trained natively (`www/weights/gan.bpk`, the live MLP).
    shipped: Option<Gan>,
    digits: Digits,
    noise_seed: u64,
    run: Rc<RefCell<Option<Run>>>,
}

#[wasm_bindgen]
impl GanSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, _seed: u32) -> GanSession {
        let device = runtime.device.clone();
        GanSession {
            classifier: ClassifierConfig::shipped().init(&device),
            classifier_loaded: false,
            device,
            shipped: None,
            digits: Digits::default(),
            noise_seed: DIGITS.noise_seed,
            run: Rc::new(RefCell::new(None)),
        }
    }

    /// `www/weights/classifier.bpk`: the judge of the samples.
    pub fn load_classifier(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.classifier = weights::load(ClassifierConfig::shipped().init(&self.device), bytes, file)?;
        self.classifier_loaded = true;
        Ok(())
    }

    /// `www/weights/gan.bpk`: the natively trained checkpoint of the live MLP GAN.
    pub fn load_shipped(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.shipped = Some(weights::load(GanConfig::live().init(&self.device), bytes, file)?);
        Ok(())
    }

    /// `split` is "train" (the real digits D sees) or "test" (the real digits the samples are
    /// compared with); returns the number of digits.
    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// A fresh G and D from `settings` (`{model, seed, lrG, lrD, k, batch, loss}`).
    pub fn reset(&mut self, settings: JsValue) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        let training =
            GanTraining::from_scratch(&settings.model()?, settings.training_config()?, &self.device);
        self.start(training);
        Ok(())
    }

    /// The shipped checkpoint, trained further from here with `settings` (model "mlp" only).
    pub fn start_from_shipped(&mut self, settings: JsValue) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        if settings.model != "mlp" {
            return Err(JsError::new("the shipped checkpoint is of the MLP GAN"));
        }
        let shipped = self.shipped.clone().ok_or_else(|| JsError::new("the shipped GAN did not load"))?;
        let training = GanTraining::new(shipped, settings.training_config()?, &self.device);
        self.start(training);
        Ok(())
    }

    /// Rates, k, batch size and loss, between chunks; the model and seed need a `reset`.
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        let mut slot = self.run.borrow_mut();
        let run = slot.as_mut().ok_or_else(|| JsError::new("no GAN yet: reset first"))?;
        let seed = run.training.config().seed;
        settings.apply(run.training.config_mut())?;
        run.training.config_mut().seed = seed;
        Ok(())
    }

    /// Another fixed noise for the grid; `train_chunk("redraw")` shows it.
    pub fn new_noise(&mut self, seed: u32) {
        self.noise_seed = seed.into();
        if let Some(run) = self.run.borrow_mut().as_mut() {
            run.grid_noise = grid_noise(self.noise_seed, &run.training, &self.device);
        }
    }

    /// `work` is "play" (iterations for about 250 ms), "iteration", "slow" (one iteration with
    /// its stages' tensors: `trace`), "d" (one D step), "g" (one G step) or "redraw" (no
    /// training). Resolves to the chunk's report: mean figures, the
    /// sample grid (RGBA), the classifier's reading of it, rates and counts.
    pub fn train_chunk(&mut self, work: &str) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let work = match work {
            "play" => Work::Play,
            "iteration" => Work::Iteration,
            "slow" => Work::Slow,
            "d" => Work::DiscriminatorStep,
            "g" => Work::GeneratorStep,
            "redraw" => Work::Redraw,
            other => return Err(JsError::new(&format!("unknown work \"{other}\""))),
        };
        let train = match (&self.digits.train, work) {
            (_, Work::Redraw | Work::GeneratorStep) => None,
            (Some(train), _) => Some(train.clone()),
            (None, _) => return Err(JsError::new("the training digits are not loaded yet")),
        };
        let started = now_ms();
        let mut slot = self.run.borrow_mut();
        let run = slot.as_mut().ok_or_else(|| JsError::new("no GAN yet: reset first"))?;
        let count = if work == Work::Play { run.iterations_per_chunk } else { 1 };

        let (device, classifier, train) = (&self.device, &self.classifier, train.as_deref());
        let (all, traced) = on_pool(|| {
            // The chunk's figures as one tensor [d_loss, g_loss, d_real, d_fake]; NaN where unmeasured.
            let nan = || Tensor::<1>::full([1], f32::NAN, device);
            let mut trace = None;
            let figures = match work {
                Work::Play | Work::Iteration => {
                    let train = train.expect("checked above");
                    let stats: Vec<Tensor<1>> =
                        (0..count).map(|_| run.training.train_on(&train).packed()).collect();
                    run.d_steps += count * run.training.config().d_steps.max(1);
                    run.g_steps += count;
                    Tensor::stack::<2>(stats, 0).mean_dim(0).reshape([4])
                }
                Work::Slow => {
                    let train = train.expect("checked above");
                    let digits = run.training.config().batch_size * run.training.config().d_steps.max(1);
                    let real = run.training.real_batch(&train, digits);
                    let (stats, iteration) = run.training.traced_iteration(real, TRACED);
                    run.d_steps += run.training.config().d_steps.max(1);
                    run.g_steps += 1;
                    trace = Some(trace_parts(iteration));
                    stats.packed()
                }
                Work::DiscriminatorStep => {
                    let batch = run.training.config().batch_size;
                    let real = run.training.real_batch(&train.expect("checked above"), batch);
                    let step = run.training.step_d(real);
                    run.d_steps += 1;
                    Tensor::cat(vec![step.loss, nan(), step.real_score, step.fake_score], 0)
                }
                Work::GeneratorStep => {
                    let step = run.training.step_g();
                    run.g_steps += 1;
                    Tensor::cat(vec![nan(), step.loss, nan(), step.fake_score], 0)
                }
                Work::Redraw => Tensor::cat(vec![nan(), nan(), nan(), nan()], 0),
            };
            let samples = to_unit_pixels(run.training.samples(run.grid_noise.clone()));
            let probabilities = classifier.probabilities(samples.clone());
            let traced = trace.is_some();
            let all = Tensor::cat(
                [
                    vec![
                        figures,
                        samples.reshape([DIGITS.samples * PIXELS]),
                        probabilities.reshape([DIGITS.samples * CLASSES]),
                    ],
                    trace.into_iter().collect(),
                ]
                .concat(),
                0,
            );
            (all, traced)
        });
        let (iterations, d_steps, g_steps) = (run.training.iterations(), run.d_steps, run.g_steps);
        let (k, batch) = (run.training.config().d_steps.max(1), run.training.config().batch_size);
        drop(slot);

        let run = self.run.clone();
        let classifier_loaded = self.classifier_loaded;
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let elapsed = (now_ms() - started).max(1.0);
            let (figures, rest) = values.split_at(4);
            let (pixels, rest) = rest.split_at(DIGITS.samples * PIXELS);
            let (probabilities, rest) = rest.split_at(DIGITS.samples * CLASSES);
            let reading = Reading::new(probabilities);
            let trace = traced.then(|| Trace::from_values(rest, k, batch, elapsed));
            let mut slot = run.borrow_mut();
            let run = slot.as_mut().ok_or_else(|| JsError::new("the GAN was reset"))?;
            if work != Work::Redraw {
                run.training_ms += elapsed;
            }
            if work == Work::Play {
                // Aim the next chunk at the target time.
                let wanted = (count as f64 * CHUNK_TARGET_MS / elapsed).round() as usize;
                run.iterations_per_chunk = wanted.clamp(1, (count * 2).max(2)).min(256);
            }
            if reading.digits && classifier_loaded && run.digits_at.is_none() && work != Work::Redraw {
                run.digits_at = Some((iterations, run.training_ms / 1000.0));
            }
            let measured = |v: f32| v.is_finite().then_some(v);
            Ok(to_js(&Report {
                iterations,
                d_steps,
                g_steps,
                d_loss: measured(figures[0]),
                g_loss: measured(figures[1]),
                d_real: measured(figures[2]),
                d_fake: measured(figures[3]),
                samples: ByteBuf::from(grid_rgba(pixels, GRID_ROWS, GRID_COLS)),
                rows: GRID_ROWS,
                cols: GRID_COLS,
                reading,
                iterations_per_second: matches!(work, Work::Play | Work::Iteration | Work::Slow)
                    .then(|| count as f64 * 1000.0 / elapsed),
                training_seconds: run.training_ms / 1000.0,
                digits_at: run.digits_at,
                trace,
            })?)
        }))
    }

    /// The classifier's reading of as many real test digits as the grid holds: the figures the
    /// samples are set against.
    pub fn real_reading(&self) -> Result<js_sys::Promise, JsError> {
        let test =
            self.digits.test.as_ref().ok_or_else(|| JsError::new("the test digits are not loaded yet"))?;
        let indices: Vec<usize> = (0..DIGITS.samples.min(test.len())).collect();
        let probabilities = self.classifier.probabilities(test.batch(&indices, &self.device));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            Ok(to_js(&Reading::new(&read(probabilities).await?))?)
        }))
    }

    /// The current G and D at full precision (burnpack), for the visitor to download.
    pub fn weights(&self) -> Result<Vec<u8>, JsError> {
        let slot = self.run.borrow();
        let run = slot.as_ref().ok_or_else(|| JsError::new("no GAN yet"))?;
        Ok(weights::to_bytes_exact(run.training.gan()))
    }

    /// Weights a visitor downloaded earlier, for the model `settings` name; training goes on from
    /// them with fresh optimisers. A file that does not fit leaves the current GAN in place.
    pub fn load_weights(&mut self, settings: JsValue, bytes: &[u8], file: &str) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        let model = settings.model()?;
        let loaded = weights::load(model.init(&self.device), bytes, file).map_err(|e| FileError {
            reason: Message::new("file.gan-download")
                .message("reason", e.reason)
                .text("model", settings.model.clone()),
            ..e
        })?;
        let training = GanTraining::new(loaded, settings.training_config()?, &self.device);
        self.start(training);
        Ok(())
    }
}

impl GanSession {
    fn start(&mut self, training: GanTraining) {
        *self.run.borrow_mut() = Some(Run {
            grid_noise: grid_noise(self.noise_seed, &training, &self.device),
            training,
            d_steps: 0,
            g_steps: 0,
            iterations_per_chunk: 1,
            training_ms: 0.0,
            digits_at: None,
        });
    }
}

/// The grid's fixed noise for `training`'s generator.
fn grid_noise(seed: u64, training: &GanTraining, device: &Device) -> Tensor<2> {
    fixed_noise(seed, DIGITS.samples, training.generator().latent(), device)
}
