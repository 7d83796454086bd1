//! The PixelRNN demo's session: paints a digit pixel by pixel with one of three models (binary,
//! 4 grey levels as classes, grey value regressed), reporting each chunk of pixels with the
//! probability the model gave each; the binary model paints a chosen digit or any digit (its
//! label drawn from the seed). Completes a drawing or a test digit from its top rows, several
//! seeds side by side; measures the binary model's NLL on test digits, a chunk at a time.

use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{
    check_device, drawing_to_mnist, in_range, now_ms, on_pool, read, to_js, to_rgba, Digits, Runtime,
};
use crate::data::mnist::{Mnist, SIDE};
use crate::models::classifier::{Classifier, ClassifierConfig, CLASSES};
use crate::models::likeness;
use crate::models::pixelrnn::{PixelKind, PixelRnn, PixelRnnConfig, PixelSampler, LABELS};
use crate::models::vae::BOUND_SEED;
use crate::weights;

/// The page's models, in the order of its select.
const KINDS: [PixelKind; 3] = [PixelKind::Binary, PixelKind::Levels(4), PixelKind::Regression];
/// Completions side by side.
pub const COMPLETIONS: usize = 4;
/// How bright the rows a completion does not see are shown.
const HIDDEN_DIMMED: f32 = 0.3;
/// Test digits of the in-page NLL measurement (all 10k take minutes on a CPU in the browser;
/// `train pixelrnn` reports them all).
const NLL_DIGITS: usize = 200;
/// Test digits per call of [`PixelRnnSession::nll_step`]: the labelled model scores each digit
/// once per label, so a chunk is ten passes over these.
const NLL_CHUNK: usize = 10;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Painted {
    /// Index of the first pixel of this chunk in raster order.
    from: usize,
    /// The chunk's pixels, RGBA (white ink on black).
    pixels: ByteBuf,
    /// The probability the model gave each of them, as RGBA (a heat colour), and as numbers;
    /// both empty for the regression model, which paints its prediction and has none.
    probability_pixels: ByteBuf,
    probabilities: Vec<f32>,
    /// Pixels painted so far, and whether the image is finished.
    painted: usize,
    done: bool,
    /// Once finished, what the project's judge reads in it (`null` before, or without the
    /// classifier's weights).
    reading: Option<Reading>,
}

/// The judge's reading of a finished painting: the classifier's digit and its probability, and
/// whether the image passes the MNIST-likeness check.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reading {
    label: usize,
    confidence: f32,
    mnist_like: bool,
    reads_as_digit: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Completions {
    frames: usize,
    /// The completions side by side, 28 × (28·frames) RGBA.
    strip: ByteBuf,
    /// The digit each completion is painted as (a labelled model), chosen or drawn.
    labels: Option<Vec<usize>>,
    painted: usize,
    done: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Likelihood {
    /// The mean NLL so far, nats per image.
    nats: f32,
    /// Digits measured so far, of `of`.
    digits: usize,
    of: usize,
    done: bool,
    seed: u64,
}

/// What a painting paints: the label a labelled model was given or drew.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaintingLabel {
    /// The digit the model paints (`null` for a model without labels).
    label: Option<usize>,
    /// Drawn from the seed ("any digit") rather than chosen.
    drawn: bool,
}

/// A running in-page NLL measurement: the binarised digits not yet scored and the sum so far.
struct NllRun {
    images: Vec<f32>,
    digits: usize,
    scored: usize,
    sum: Tensor<1>,
}

#[wasm_bindgen]
pub struct PixelRnnSession {
    device: Device,
    models: Vec<PixelRnn>,
    digits: Digits,
    painting: Option<PixelSampler>,
    completing: Option<PixelSampler>,
    nll: Option<NllRun>,
    classifier: Option<Classifier>,
    rng: SmallRng,
}

/// `"any"` or a digit `"0"` … `"9"`, checked against `model`: only a labelled model takes a digit.
fn label_named(name: &str, model: &PixelRnn) -> Result<Option<usize>, JsError> {
    let label = match name {
        "any" => None,
        digit => Some(digit.parse::<usize>().ok().filter(|&d| d < LABELS).ok_or_else(|| {
            JsError::new(&format!("the digit to paint is \"any\" or 0 to 9, not \"{name}\""))
        })?),
    };
    if label.is_some() && !model.labelled() {
        return Err(JsError::new(&format!("the {} model paints any digit only", model.kind().name())));
    }
    Ok(label)
}

fn painting_label(sampler: &PixelSampler, chosen: Option<usize>) -> Result<JsValue, JsError> {
    to_js(&PaintingLabel {
        label: sampler.labels().map(|labels| labels[0]),
        drawn: chosen.is_none() && sampler.labels().is_some(),
    })
}

fn kind_named(name: &str) -> Result<usize, JsError> {
    let kind: PixelKind = name.parse().map_err(|e: String| JsError::new(&e))?;
    KINDS.iter().position(|&k| k == kind).ok_or_else(|| JsError::new(&format!("no shipped model \"{name}\"")))
}

#[wasm_bindgen]
impl PixelRnnSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> PixelRnnSession {
        let device = runtime.device.clone();
        PixelRnnSession {
            models: KINDS.iter().map(|&kind| PixelRnnConfig::shipped(kind).init(&device)).collect(),
            device,
            digits: Digits::default(),
            painting: None,
            completing: None,
            nll: None,
            classifier: None,
            rng: SmallRng::seed_from_u64(seed.into()),
        }
    }

    /// `model` is "binary", "levels4" or "regression"; a bad file leaves the current weights.
    pub fn load_weights(&mut self, model: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        let index = kind_named(model)?;
        self.models[index] =
            weights::load(PixelRnnConfig::shipped(KINDS[index]).init(&self.device), bytes, file)?;
        Ok(())
    }

    /// `www/weights/classifier.bpk`: the judge that says what a finished painting reads as.
    pub fn load_classifier(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.classifier = Some(weights::load(ClassifierConfig::shipped().init(&self.device), bytes, file)?);
        Ok(())
    }

    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// A random test digit: `{pixels, label, index}`.
    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    /// Starts a new painting with `model`, from `seed` (uniform draws per pixel), at
    /// `temperature` (divides the logits; the regression model has none), of `label` ("any" or
    /// a digit; see [`label_named`]). Returns `{label, drawn}`: the digit being painted.
    pub fn paint_start(
        &mut self,
        model: &str,
        seed: f64,
        temperature: f64,
        label: &str,
    ) -> Result<JsValue, JsError> {
        in_range("the seed", seed, 0.0, u32::MAX as f64)?;
        in_range("the temperature", temperature, 0.05, 5.0)?;
        let model = self.models[kind_named(model)?].clone();
        let chosen = label_named(label, &model)?;
        let labels = chosen.map(|label| vec![label]);
        let painting = PixelSampler::new(model, &[seed as u64], labels.as_deref(), temperature, &self.device);
        let shown = painting_label(&painting, chosen);
        self.painting = Some(painting);
        shown
    }

    /// Paints up to `steps` more pixels, or fewer if `budget_ms` runs out first (at least one),
    /// and resolves to the chunk: `{from, pixels, probabilityPixels, probabilities, painted, done,
    /// reading}` (the last chunk carries the judge's reading of the whole image). One readback per
    /// chunk.
    pub fn paint(&mut self, steps: usize, budget_ms: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let painting = self.painting.as_mut().ok_or_else(|| JsError::new("no painting started"))?;
        let from = painting.painted();
        advance(painting, steps, budget_ms);
        let (painted, done) = (painting.painted(), painting.done());
        let has_probabilities = painting.kind() != PixelKind::Regression;
        let chunk = painting.take().map(|chunk| chunk.reshape([-1]));
        // The finished image and the classifier's probabilities ride on the last chunk's readback.
        let judged = match (&self.classifier, done) {
            (Some(classifier), true) => {
                let image = painting.images().reshape([1, SIDE * SIDE]);
                Some(Tensor::cat(
                    vec![image.clone().reshape([-1]), classifier.probabilities(image).reshape([-1])],
                    0,
                ))
            }
            _ => None,
        };
        let chunk_values = chunk.as_ref().map_or(0, |chunk| chunk.dims()[0]);
        let all = match (chunk, judged) {
            (Some(chunk), Some(judged)) => Some(Tensor::cat(vec![chunk, judged], 0)),
            (chunk, judged) => chunk.or(judged),
        };
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let mut values = match all {
                Some(all) => read(all).await?,
                None => Vec::new(),
            };
            let judged = values.split_off(chunk_values);
            let reading = (judged.len() == SIDE * SIDE + CLASSES).then(|| {
                let (image, probabilities) = judged.split_at(SIDE * SIDE);
                let judged = likeness::read(probabilities, image, 1).images[0];
                Reading {
                    label: judged.label,
                    confidence: judged.confidence,
                    mnist_like: judged.mnist_like,
                    reads_as_digit: judged.reads_as_digit(),
                }
            });
            let pixels: Vec<f32> = values.chunks(2).map(|pair| pair[0]).collect();
            let probabilities: Vec<f32> =
                if has_probabilities { values.chunks(2).map(|pair| pair[1]).collect() } else { Vec::new() };
            Ok(to_js(&Painted {
                from,
                pixels: ByteBuf::from(to_rgba(&pixels)),
                probability_pixels: ByteBuf::from(heat_rgba(&probabilities)),
                probabilities,
                painted,
                done,
                reading,
            })?)
        }))
    }

    /// Starts `COMPLETIONS` completions of a drawing (RGBA, white on black) keeping its first
    /// `visible_rows` rows, each from its own seed (`first_seed`, `first_seed + 1`, …), all of
    /// `label` or, for "any", each of the digit its seed draws. Returns the image as the model is
    /// given it (see [`Self::complete`]).
    #[allow(clippy::too_many_arguments)] // the page's arguments, as the worker forwards them
    pub fn complete_drawing(
        &mut self,
        model: &str,
        rgba: &[u8],
        width: usize,
        height: usize,
        visible_rows: usize,
        first_seed: f64,
        temperature: f64,
        label: &str,
    ) -> Result<JsValue, JsError> {
        let image = drawing_to_mnist(rgba, width, height)?;
        self.complete(model, image, visible_rows, first_seed, temperature, label)
    }

    /// As [`Self::complete_drawing`], for test digit `index`.
    pub fn complete_test_digit(
        &mut self,
        model: &str,
        index: usize,
        visible_rows: usize,
        first_seed: f64,
        temperature: f64,
        label: &str,
    ) -> Result<JsValue, JsError> {
        let (image, _) = self.digits.test_digit(index)?;
        self.complete(model, image, visible_rows, first_seed, temperature, label)
    }

    /// Advances the completions by up to `steps` pixels each (or until `budget_ms` runs out) and
    /// resolves to `{frames, strip, labels, painted, done}`.
    pub fn complete_step(&mut self, steps: usize, budget_ms: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let completing = self.completing.as_mut().ok_or_else(|| JsError::new("no completion started"))?;
        advance(completing, steps, budget_ms);
        completing.take();
        let (painted, done) = (completing.painted(), completing.done());
        let labels = completing.labels().map(<[usize]>::to_vec);
        let images = completing.images();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(images).await?;
            Ok(to_js(&Completions {
                frames: COMPLETIONS,
                strip: ByteBuf::from(super::grid_rgba(&values, 1, COMPLETIONS)),
                labels,
                painted,
                done,
            })?)
        }))
    }

    /// Starts measuring the binary model's NLL (nats per image) on the first `NLL_DIGITS` test
    /// digits, each binarised stochastically with the seed `train pixelrnn` uses (the same
    /// binarisation as its figure, digit for digit); [`Self::nll_step`] scores them a chunk at a
    /// time. A labelled model's NLL is the mixture's, −log ⅒ Σ_y p(x | y).
    pub fn nll_start(&mut self) -> Result<(), JsError> {
        let first = self.test()?.first(NLL_DIGITS);
        let mut images = first.batch_values(&(0..first.len()).collect::<Vec<_>>());
        PixelKind::Binary.prepare(&mut images, &mut SmallRng::seed_from_u64(BOUND_SEED));
        self.nll =
            Some(NllRun { images, digits: first.len(), scored: 0, sum: Tensor::zeros([1], &self.device) });
        Ok(())
    }

    /// Scores the next `NLL_CHUNK` digits and resolves to the running figure:
    /// `{nats, digits, of, done, seed}`.
    pub fn nll_step(&mut self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let run = self.nll.as_mut().ok_or_else(|| JsError::new("no NLL measurement started"))?;
        let count = NLL_CHUNK.min(run.digits - run.scored);
        let chunk = run.images[run.scored * SIDE * SIDE..(run.scored + count) * SIDE * SIDE].to_vec();
        let images = Tensor::from_data(TensorData::new(chunk, [count, SIDE, SIDE]), &self.device);
        run.sum = run.sum.clone() + self.models[0].image_losses(images, None).sum();
        run.scored += count;
        let (sum, digits, of) = (run.sum.clone(), run.scored, run.digits);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let nats = read(sum).await?[0] / digits as f32;
            Ok(to_js(&Likelihood { nats, digits, of, done: digits == of, seed: BOUND_SEED })?)
        }))
    }
}

impl PixelRnnSession {
    fn test(&self) -> Result<&Mnist, JsError> {
        self.digits.test.as_deref().ok_or_else(|| JsError::new("the test digits are not loaded yet"))
    }

    /// Starts the completions; returns the image as the model is given it, 28×28 RGBA, the
    /// hidden rows dimmed.
    fn complete(
        &mut self,
        model: &str,
        mut image: Vec<f32>,
        visible_rows: usize,
        first_seed: f64,
        temperature: f64,
        label: &str,
    ) -> Result<JsValue, JsError> {
        in_range("the visible rows", visible_rows as f64, 0.0, SIDE as f64)?;
        in_range("the seed", first_seed, 0.0, u32::MAX as f64)?;
        in_range("the temperature", temperature, 0.05, 5.0)?;
        let model = self.models[kind_named(model)?].clone();
        let labels = label_named(label, &model)?.map(|label| vec![label; COMPLETIONS]);
        // The kept rows as this model sees pixels: a drawing's soft edges become black or white
        // for the binary model (at one half, so the kept rows are the drawing's, not a sample).
        match model.kind() {
            PixelKind::Binary => image.iter_mut().for_each(|v| *v = (*v >= 0.5) as u8 as f32),
            kind => kind.prepare(&mut image, &mut self.rng),
        }
        let images: Vec<f32> = (0..COMPLETIONS).flat_map(|_| image.iter().copied()).collect();
        let images = Tensor::from_data(TensorData::new(images, [COMPLETIONS, SIDE, SIDE]), &self.device);
        let seeds: Vec<u64> = (0..COMPLETIONS as u64).map(|k| first_seed as u64 + k).collect();
        self.completing = Some(PixelSampler::completing(
            model,
            images,
            visible_rows,
            &seeds,
            labels.as_deref(),
            temperature,
        ));
        image[visible_rows * SIDE..].iter_mut().for_each(|v| *v *= HIDDEN_DIMMED);
        to_js(&ByteBuf::from(to_rgba(&image)))
    }
}

/// Up to `steps` sampling steps (at least one), fewer if `budget_ms` of wall time runs out. On
/// WebGPU this times the queueing; the readback that follows waits for the work itself.
/// On the threaded build the loop runs on the pool (the clock read there is that thread's own).
pub(super) fn advance(sampler: &mut PixelSampler, steps: usize, budget_ms: f64) {
    on_pool(|| {
        let started = now_ms();
        for _ in 0..steps.max(1) {
            sampler.step();
            if sampler.done() || now_ms() - started > budget_ms {
                break;
            }
        }
    })
}

/// Probabilities in [0, 1] → RGBA: dark blue for unlikely through to pale yellow for certain.
fn heat_rgba(probabilities: &[f32]) -> Vec<u8> {
    const LOW: [f32; 3] = [30.0, 27.0, 75.0];
    const HIGH: [f32; 3] = [253.0, 231.0, 37.0];
    probabilities
        .iter()
        .flat_map(|&p| {
            let p = p.clamp(0.0, 1.0);
            let [r, g, b] = [0, 1, 2].map(|c| (LOW[c] + (HIGH[c] - LOW[c]) * p).round() as u8);
            [r, g, b, 255]
        })
        .collect()
}
