//! The VAE demo's session: two digits (drawn or from the test set) → their codes → the straight
//! path between them decoded by the 10-D VAE and by the plain AE of the same shape, each frame
//! read by the classifier; the code as sliders; the 2-D VAE's map; in-browser training with the
//! loss opened up; the lecture's "imitation" example.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{
    check_device, drawing_to_mnist, grid_rgba, in_range, now_ms, on_pool, read, to_js, to_rgba, Digits,
    Runtime,
};
use crate::data::mnist::{images_tensor, PIXELS, SIDE};
use crate::models::classifier::{Classifier, ClassifierConfig, CLASSES};
use crate::models::gan::fixed_noise;
use crate::models::vae::{
    interpolate, inverse_normal_cdf, normal_cdf, plane_grid, reconstruction_nats, test_bound, Vae, VaeConfig,
    VaeTraining, VaeTrainingConfig, BOUND_SEED,
};
use crate::weights;

/// Frames of each interpolation strip, ends included.
const FRAMES: usize = 10;
/// Test digits scattered on the 2-D map.
const MAP_POINTS: usize = 2000;
/// Cells per side of the 2-D VAE's decoded plane.
const MAP_CELLS: usize = 16;
/// Log-variance histogram of the σ plot: bins over [−8, 2].
const SIGMA_LOW: f32 = -8.0;
const SIGMA_HIGH: f32 = 2.0;
const SIGMA_BINS: usize = 50;
/// Test digits whose posterior's log-variances the σ plot shows.
const SIGMA_DIGITS: usize = 200;
/// A training chunk aims at this wall time.
const CHUNK_TARGET_MS: f64 = 150.0;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ends {
    /// The slot's input as the models see it (28×28 RGBA).
    input: ByteBuf,
    /// The 10-D VAE's code mean of this input: the sliders.
    code: Vec<f32>,
    /// Present once both ends are set.
    strips: Option<Strips>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Strips {
    frames: usize,
    /// `frames` digits side by side, 28 × (28·frames) RGBA.
    vae: ByteBuf,
    ae: ByteBuf,
    /// Per frame: the class the classifier reads and its probability.
    vae_reads: Vec<u8>,
    vae_confidence: Vec<f32>,
    ae_reads: Vec<u8>,
    ae_confidence: Vec<f32>,
    /// The mean confidence over the middle frames (1/3 ≤ t ≤ 2/3), as `tests/vae.rs` measures.
    vae_middle: f32,
    ae_middle: f32,
    /// The mean confidence over all frames.
    vae_mean: f32,
    ae_mean: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Map {
    /// Test digits as `[u, v, label]` in the unit square: u = Φ(μ₁), v = 1 − Φ(μ₂) (up is
    /// positive), the square the decoded plane covers.
    points: Vec<[f32; 3]>,
    cells: usize,
    /// The decoded plane, `cells`×`cells` digits, RGBA at scale 1.
    plane: ByteBuf,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    model: String,
    steps: usize,
    total: f32,
    reconstruction: f32,
    kl: f32,
    beta: f64,
    steps_per_second: f64,
    /// How many of the test digits' posterior log-variances fall in each bin over
    /// [sigmaLow, sigmaHigh].
    log_variance_histogram: Vec<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SigmaCurves {
    /// σ here is the log-variance, as in the lecture: exp(σ), 1 + σ and their difference, the
    /// KL's per-dimension variance term, lowest (0) at σ = 0, variance 1.
    sigma: Vec<f32>,
    exp: Vec<f32>,
    one_plus: Vec<f32>,
    difference: Vec<f32>,
    sigma_low: f32,
    sigma_high: f32,
    bins: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Imitation {
    label: u8,
    /// The digit, and two edits with the same number of changed pixels.
    original: ByteBuf,
    extended: ByteBuf,
    stray: ByteBuf,
    changed: usize,
    /// The reconstruction term (nats) of each edit as the target for an output equal to the
    /// original: what a VAE's loss charges for the difference.
    loss_extended: f32,
    loss_stray: f32,
}

/// The lecture's VAE structure for one digit ([`VaeSession::structure`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Structure {
    input: ByteBuf,
    /// The encoder's means.
    m: Vec<f32>,
    /// log σ: half the encoder's log-variance.
    sigma: Vec<f32>,
    /// The noise drawn from N(0, I).
    e: Vec<f32>,
    /// exp(σ) ⊙ e + m: the code the decoder gets.
    c: Vec<f32>,
    /// KL(N(m, exp(σ)²) ‖ N(0, 1)) per dimension, and their sum (the loss's KL term), nats.
    kl: Vec<f32>,
    kl_total: f32,
    /// The decoder's output for c, and for m (no noise), 28×28 RGBA.
    output: ByteBuf,
    mean_output: ByteBuf,
    /// −log p(digit | c) and −log p(digit | m), nats.
    reconstruction: f32,
    mean_reconstruction: f32,
    millis: f64,
}

#[derive(Serialize)]
struct Bounds {
    vae10: [f32; 3],
    vae2: [f32; 3],
    ae10: f32,
}

#[derive(Serialize)]
struct CodeSpread {
    spread: Vec<f32>,
    widest: [usize; 2],
}

struct Training {
    model: &'static str,
    run: VaeTraining,
    steps_per_chunk: usize,
}

#[wasm_bindgen]
pub struct VaeSession {
    device: Device,
    vae10: Vae,
    vae2: Vae,
    ae10: Vae,
    shipped_vae10: Vae,
    shipped_vae2: Vae,
    classifier: Classifier,
    digits: Digits,
    ends: [Option<Vec<f32>>; 2],
    /// The end set last: the digit the code's levers and the structure view show.
    last: Option<usize>,
    training: Rc<RefCell<Option<Training>>>,
    rng: SmallRng,
}

#[wasm_bindgen]
impl VaeSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> VaeSession {
        let device = runtime.device.clone();
        let (vae10, vae2) = (VaeConfig::shipped_10d().init(&device), VaeConfig::shipped_2d().init(&device));
        VaeSession {
            ae10: VaeConfig::shipped_10d().init(&device),
            shipped_vae10: vae10.clone(),
            shipped_vae2: vae2.clone(),
            vae10,
            vae2,
            classifier: ClassifierConfig::shipped().init(&device),
            device,
            digits: Digits::default(),
            ends: [None, None],
            last: None,
            training: Rc::new(RefCell::new(None)),
            rng: SmallRng::seed_from_u64(seed.into()),
        }
    }

    /// `model` is "vae10", "vae2" or "ae10"; a bad file leaves the current weights in place.
    pub fn load_weights(&mut self, model: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        let config = if model == "vae2" { VaeConfig::shipped_2d() } else { VaeConfig::shipped_10d() };
        let loaded = weights::load(config.init(&self.device), bytes, file)?;
        match model {
            "vae10" => (self.vae10, self.shipped_vae10) = (loaded.clone(), loaded),
            "vae2" => (self.vae2, self.shipped_vae2) = (loaded.clone(), loaded),
            "ae10" => self.ae10 = loaded,
            other => return Err(JsError::new(&format!("unknown model \"{other}\""))),
        }
        Ok(())
    }

    pub fn load_classifier(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.classifier = weights::load(ClassifierConfig::shipped().init(&self.device), bytes, file)?;
        Ok(())
    }

    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// A random test digit: `{pixels, label, index}`.
    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    /// Sets end `slot` ("a" or "b") from a drawing (RGBA, white on black) and resolves to
    /// `{input, code, strips?}`.
    pub fn set_drawing(
        &mut self,
        slot: &str,
        rgba: &[u8],
        width: usize,
        height: usize,
    ) -> Result<js_sys::Promise, JsError> {
        self.set_end(slot, drawing_to_mnist(rgba, width, height)?)
    }

    /// Sets end `slot` to test digit `index`.
    pub fn set_test_digit(&mut self, slot: &str, index: usize) -> Result<js_sys::Promise, JsError> {
        let (image, _) = self.digits.test_digit(index)?;
        self.set_end(slot, image)
    }

    /// The 10-D VAE's decoding of `code` (the sliders): 28×28 RGBA.
    pub fn decode(&self, code: Vec<f32>) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let size = code.len();
        if size != self.vae10.code_size() {
            return Err(JsError::new(&format!("a code has {} numbers, not {size}", self.vae10.code_size())));
        }
        let image = self.vae10.decode(Tensor::from_data(TensorData::new(code, [1, size]), &self.device));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            Ok(to_js(&ByteBuf::from(to_rgba(&read(image).await?)))?)
        }))
    }

    /// The sweep: `code` with dimensions `across` and `down` replaced by an n×n grid through the
    /// Gaussian inverse CDF, decoded by the 10-D VAE: one RGBA image of n×n digits.
    pub fn sweep(
        &self,
        code: Vec<f32>,
        across: usize,
        down: usize,
        n: usize,
    ) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let size = self.vae10.code_size();
        if code.len() != size || across >= size || down >= size || across == down {
            return Err(JsError::new("a sweep needs a full code and two different dimensions of it"));
        }
        in_range("the sweep's size", n as f64, 2.0, 16.0)?;
        let images = self.vae10.decode(plane_grid(&code, across, down, n, &self.device));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            Ok(to_js(&ByteBuf::from(grid_rgba(&read(images).await?, n, n)))?)
        }))
    }

    /// The 2-D VAE's map: test digits by their code means and the decoded plane.
    pub fn map(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let test =
            self.digits.test.clone().ok_or_else(|| JsError::new("the test digits are not loaded yet"))?;
        let indices: Vec<usize> = (0..MAP_POINTS.min(test.len())).collect();
        let means = self.vae2.encode(test.batch(&indices, &self.device)).mean.reshape([indices.len() * 2]);
        let plane = self.vae2.decode(plane_grid(&[0.0, 0.0], 0, 1, MAP_CELLS, &self.device));
        let all = Tensor::cat(vec![means, plane.reshape([MAP_CELLS * MAP_CELLS * PIXELS])], 0);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let (means, plane) = values.split_at(indices.len() * 2);
            let points = means
                .chunks_exact(2)
                .zip(&indices)
                .map(|(m, &i)| {
                    [
                        normal_cdf(m[0].into()) as f32,
                        1.0 - normal_cdf(m[1].into()) as f32,
                        test.label(i).into(),
                    ]
                })
                .collect();
            Ok(to_js(&Map {
                points,
                cells: MAP_CELLS,
                plane: ByteBuf::from(grid_rgba(plane, MAP_CELLS, MAP_CELLS)),
            })?)
        }))
    }

    /// The 2-D VAE's decoding at `(u, v)` of the map's unit square: 28×28 RGBA.
    pub fn decode_map(&self, u: f64, v: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let inside = |p: f64| p.clamp(1e-4, 1.0 - 1e-4);
        let code = [inverse_normal_cdf(inside(u)) as f32, inverse_normal_cdf(1.0 - inside(v)) as f32];
        let image = self.vae2.decode(Tensor::from_data(TensorData::new(code.to_vec(), [1, 2]), &self.device));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            Ok(to_js(&ByteBuf::from(to_rgba(&read(image).await?)))?)
        }))
    }

    /// How much each dimension of the 10-D VAE's code varies over 1,000 test digits (the
    /// standard deviation of the encoder's means): dimensions the KL term pushed back to the
    /// prior barely move, and their levers barely change the digit. Resolves to
    /// `{spread, widest: [i, j]}` (the two that vary most).
    pub fn code_spread(&self) -> Result<js_sys::Promise, JsError> {
        let test =
            self.digits.test.as_ref().ok_or_else(|| JsError::new("the test digits are not loaded yet"))?;
        let indices: Vec<usize> = (0..1000.min(test.len())).collect();
        let spread = self
            .vae10
            .encode(test.batch(&indices, &self.device))
            .mean
            .var(0)
            .sqrt()
            .reshape([self.vae10.code_size()]);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let spread = read(spread).await?;
            let mut order: Vec<usize> = (0..spread.len()).collect();
            order.sort_by(|&a, &b| spread[b].total_cmp(&spread[a]));
            Ok(to_js(&CodeSpread { widest: [order[0], order[1]], spread })?)
        }))
    }

    /// The test-set bound of the shipped models, nats per digit, on all test digits, each
    /// binarised stochastically (a pixel on with probability its grey level, fixed seed), one
    /// code sample per digit: `{vae10, vae2: [−ELBO, reconstruction, KL], ae10: reconstruction
    /// with code = mean}`. Measures the models as loaded (before any training here).
    pub fn test_bounds(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let test =
            self.digits.test.as_ref().ok_or_else(|| JsError::new("the test digits are not loaded yet"))?;
        let bound = |model: &Vae, sample| test_bound(model, test, sample, BOUND_SEED, &self.device);
        let all = Tensor::cat(
            vec![bound(&self.shipped_vae10, true), bound(&self.shipped_vae2, true), bound(&self.ae10, false)],
            0,
        );
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let v = read(all).await?;
            Ok(to_js(&Bounds { vae10: [v[0], v[1], v[2]], vae2: [v[3], v[4], v[5]], ae10: v[7] })?)
        }))
    }

    /// The lecture's first point: a decoder fed random codes. The same 10 codes drawn from
    /// N(0, I) (seeded), decoded by the 10-D VAE and by the plain AE, each read by the
    /// classifier: a strip pair, as the interpolation's.
    pub fn prior_samples(&self, seed: u32) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let codes = fixed_noise(seed.into(), FRAMES, self.vae10.code_size(), &self.device);
        let all = Tensor::cat(self.strip_parts([codes.clone(), codes]), 0);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            Ok(to_js(&Strips::from_values(&read(all).await?))?)
        }))
    }

    /// The lecture's VAE structure, live, for the digit set last: the encoder's m and σ (σ the
    /// log of the standard deviation, half the log-variance the encoder outputs), noise e drawn
    /// from N(0, I) with `noise_seed`, the code c = exp(σ) ⊙ e + m, the KL term per dimension,
    /// the decoder's output for c and for m (σ → −∞: no noise) and the reconstruction term of
    /// the digit under each. One readback.
    pub fn structure(&self, noise_seed: u32) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let input = self
            .last
            .and_then(|which| self.ends[which].clone())
            .ok_or_else(|| JsError::new("draw or pick a digit first"))?;
        let started = now_ms();
        let size = self.vae10.code_size();
        let image = images_tensor(input.clone(), &self.device);
        let posterior = self.vae10.encode(image.clone());
        let noise = fixed_noise(noise_seed.into(), 1, size, &self.device);
        let code = posterior.sample(noise.clone());
        let logits = self.vae10.decode_logits(Tensor::cat(vec![code.clone(), posterior.mean.clone()], 0));
        let nats = reconstruction_nats(logits.clone(), image.repeat_dim(0, 2));
        let parts = vec![
            posterior.mean.clone(),
            posterior.log_std(),
            noise,
            code,
            posterior.kl_per_dimension(),
            burn::tensor::activation::sigmoid(logits).reshape([1, 2 * PIXELS]),
            nats.reshape([1, 2]),
        ];
        let all = Tensor::cat(parts, 1);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let mut parts = values.chunks(size);
            let mut next = || parts.next().map(<[f32]>::to_vec).unwrap_or_default();
            let (m, sigma, e, c, kl) = (next(), next(), next(), next(), next());
            let rest = &values[5 * size..];
            Ok(to_js(&Structure {
                input: ByteBuf::from(to_rgba(&input)),
                kl_total: kl.iter().sum(),
                m,
                sigma,
                e,
                c,
                kl,
                output: ByteBuf::from(to_rgba(&rest[..PIXELS])),
                mean_output: ByteBuf::from(to_rgba(&rest[PIXELS..2 * PIXELS])),
                reconstruction: rest[2 * PIXELS],
                mean_reconstruction: rest[2 * PIXELS + 1],
                millis: now_ms() - started,
            })?)
        }))
    }

    /// The σ plot's curves over [sigmaLow, sigmaHigh].
    pub fn sigma_curves(&self) -> Result<JsValue, JsError> {
        let sigma: Vec<f32> =
            (0..=100).map(|i| SIGMA_LOW + (SIGMA_HIGH - SIGMA_LOW) * i as f32 / 100.0).collect();
        to_js(&SigmaCurves {
            exp: sigma.iter().map(|s| s.exp()).collect(),
            one_plus: sigma.iter().map(|s| 1.0 + s).collect(),
            difference: sigma.iter().map(|s| s.exp() - (1.0 + s)).collect(),
            sigma,
            sigma_low: SIGMA_LOW,
            sigma_high: SIGMA_HIGH,
            bins: SIGMA_BINS,
        })
    }

    /// Begins (or restarts) training "vae10" or "vae2" with KL weight `beta`, from the shipped
    /// weights or from scratch.
    pub fn train_start(
        &mut self,
        model: &str,
        from_scratch: bool,
        beta: f64,
        seed: u32,
    ) -> Result<(), JsError> {
        in_range("β", beta, 0.0, 10.0)?;
        if self.digits.train.is_none() {
            return Err(JsError::new("the training digits are not loaded yet"));
        }
        let (name, config, shipped) = match model {
            "vae10" => ("vae10", VaeConfig::shipped_10d(), &self.shipped_vae10),
            "vae2" => ("vae2", VaeConfig::shipped_2d(), &self.shipped_vae2),
            other => return Err(JsError::new(&format!("unknown model \"{other}\""))),
        };
        let settings = VaeTrainingConfig::new().with_beta(beta).with_seed(seed.into());
        let run = if from_scratch {
            VaeTraining::from_scratch(&config, settings, &self.device)
        } else {
            VaeTraining::new(shipped.clone(), settings, &self.device)
        };
        *self.training.borrow_mut() = Some(Training { model: name, run, steps_per_chunk: 1 });
        Ok(())
    }

    /// The KL weight from the next chunk on.
    pub fn set_beta(&mut self, beta: f64) -> Result<(), JsError> {
        in_range("β", beta, 0.0, 10.0)?;
        if let Some(training) = self.training.borrow_mut().as_mut() {
            training.run.config_mut().beta = beta;
        }
        Ok(())
    }

    /// A chunk of training steps, then one readback: the chunk's mean loss terms and the
    /// log-variance histogram of test digits' posteriors. The trained model serves the views.
    pub fn train_chunk(&mut self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let (train, test) = match (&self.digits.train, &self.digits.test) {
            (Some(train), Some(test)) => (train.clone(), test.clone()),
            _ => return Err(JsError::new("training needs the train and test digits")),
        };
        let started = now_ms();
        let (all, name, model, steps, count, beta) = {
            let mut slot = self.training.borrow_mut();
            let training = slot.as_mut().ok_or_else(|| JsError::new("call train_start first"))?;
            let count = training.steps_per_chunk;
            let (train, test, run, device) = (&*train, &*test, &mut training.run, &self.device);
            let (all, model) = on_pool(|| {
                let terms: Vec<Tensor<1>> = (0..count).map(|_| run.train_on(train)).collect();
                let model = run.model();
                let indices: Vec<usize> = (0..SIGMA_DIGITS.min(test.len())).collect();
                let log_variance = model.encode(test.batch(&indices, device)).log_variance;
                let codes = log_variance.dims()[1];
                let all = Tensor::cat(
                    vec![
                        Tensor::stack::<2>(terms, 0).mean_dim(0).reshape([3]),
                        log_variance.reshape([indices.len() * codes]),
                    ],
                    0,
                );
                (all, model)
            });
            (all, training.model, model, training.run.steps(), count, training.run.config().beta)
        };
        match name {
            "vae10" => self.vae10 = model,
            _ => self.vae2 = model,
        }
        let training = self.training.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let elapsed = (now_ms() - started).max(1.0);
            if let Some(t) = training.borrow_mut().as_mut() {
                let wanted = (count as f64 * CHUNK_TARGET_MS / elapsed).round() as usize;
                t.steps_per_chunk = wanted.clamp(1, (count * 2).max(2)).min(64);
            }
            let mut histogram = vec![0u32; SIGMA_BINS];
            let width = (SIGMA_HIGH - SIGMA_LOW) / SIGMA_BINS as f32;
            for &s in &values[3..] {
                let bin = ((s.clamp(SIGMA_LOW, SIGMA_HIGH - 1e-3) - SIGMA_LOW) / width) as usize;
                histogram[bin.min(SIGMA_BINS - 1)] += 1;
            }
            Ok(to_js(&Progress {
                model: name.into(),
                steps,
                total: values[0],
                reconstruction: values[1],
                kl: values[2],
                beta,
                steps_per_second: count as f64 * 1000.0 / elapsed,
                log_variance_histogram: histogram,
            })?)
        }))
    }

    pub fn train_stop(&mut self) {
        self.training.borrow_mut().take();
    }

    /// The lecture's example: test digit `index`, one edit that extends its stroke downward by
    /// `changed` pixels and one that puts as many pixels far from the ink; the reconstruction
    /// term of each against an output equal to the original costs the same.
    pub fn imitation(&self, index: usize) -> Result<js_sys::Promise, JsError> {
        let test =
            self.digits.test.as_ref().ok_or_else(|| JsError::new("the test digits are not loaded yet"))?;
        let original = test.image(index.min(test.len() - 1));
        let (extended, stray, changed) = edits(&original);
        // The output "is" the original: its logits, with grey levels kept off 0 and 1.
        let logit = |p: f32| {
            let p = p.clamp(0.01, 0.99);
            (p / (1.0 - p)).ln()
        };
        let logits: Vec<f32> = original.iter().map(|&p| logit(p)).collect();
        let logits = images_tensor([logits.clone(), logits].concat(), &self.device);
        let targets = images_tensor([extended.clone(), stray.clone()].concat(), &self.device);
        let losses = reconstruction_nats(logits, targets);
        let label = test.label(index.min(test.len() - 1));
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(losses).await?;
            Ok(to_js(&Imitation {
                label,
                original: ByteBuf::from(to_rgba(&original)),
                extended: ByteBuf::from(to_rgba(&extended)),
                stray: ByteBuf::from(to_rgba(&stray)),
                changed,
                loss_extended: values[0],
                loss_stray: values[1],
            })?)
        }))
    }
}

impl VaeSession {
    /// Stores an end and computes what the page shows for it: its code, and the strips when
    /// both ends are set. One readback.
    fn set_end(&mut self, slot: &str, input: Vec<f32>) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let which = match slot {
            "a" => 0,
            "b" => 1,
            other => return Err(JsError::new(&format!("unknown end \"{other}\""))),
        };
        self.ends[which] = Some(input.clone());
        self.last = Some(which);
        let code = self.vae10.encode(images_tensor(input.clone(), &self.device)).mean;
        let size = code.dims()[1];
        let mut parts = vec![code.reshape([size])];
        let both = if let [Some(a), Some(b)] = &self.ends {
            let pair = images_tensor([a.as_slice(), b.as_slice()].concat(), &self.device);
            let paths = [&self.vae10, &self.ae10].map(|model| {
                let means = model.encode(pair.clone()).mean;
                interpolate(means.clone().narrow(0, 0, 1), means.narrow(0, 1, 1), FRAMES)
            });
            parts.extend(self.strip_parts(paths));
            true
        } else {
            false
        };
        let all = Tensor::cat(parts, 0);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let (code, rest) = values.split_at(size);
            let strips = both.then(|| Strips::from_values(rest));
            Ok(to_js(&Ends { input: ByteBuf::from(to_rgba(&input)), code: code.to_vec(), strips })?)
        }))
    }
}

impl VaeSession {
    /// For codes of the 10-D VAE and of the AE (`[FRAMES, 10]` each): their decodings and the
    /// classifier's probabilities, flattened for one readback ([`Strips::from_values`]).
    fn strip_parts(&self, codes: [Tensor<2>; 2]) -> Vec<Tensor<1>> {
        [&self.vae10, &self.ae10]
            .into_iter()
            .zip(codes)
            .flat_map(|(model, codes)| {
                let frames = model.decode(codes);
                [
                    self.classifier.probabilities(frames.clone()).reshape([FRAMES * CLASSES]),
                    frames.reshape([FRAMES * PIXELS]),
                ]
            })
            .collect()
    }
}

impl Strips {
    /// From what [`VaeSession::strip_parts`] gave, read back.
    fn from_values(values: &[f32]) -> Self {
        let mut rest = values;
        let mut take = |n: usize| {
            let (head, tail) = rest.split_at(n);
            rest = tail;
            head.to_vec()
        };
        let (vae_probabilities, vae) = (take(FRAMES * CLASSES), take(FRAMES * PIXELS));
        let (ae_probabilities, ae) = (take(FRAMES * CLASSES), take(FRAMES * PIXELS));
        let (vae_reads, vae_confidence) = top_classes(&vae_probabilities);
        let (ae_reads, ae_confidence) = top_classes(&ae_probabilities);
        Strips {
            vae_middle: middle_mean(&vae_confidence),
            ae_middle: middle_mean(&ae_confidence),
            vae_mean: vae_confidence.iter().sum::<f32>() / FRAMES as f32,
            ae_mean: ae_confidence.iter().sum::<f32>() / FRAMES as f32,
            frames: FRAMES,
            vae: ByteBuf::from(grid_rgba(&vae, 1, FRAMES)),
            ae: ByteBuf::from(grid_rgba(&ae, 1, FRAMES)),
            vae_reads,
            vae_confidence,
            ae_reads,
            ae_confidence,
        }
    }
}

/// The mean of the frames at 1/3 ≤ t ≤ 2/3 of the path.
fn middle_mean(per_frame: &[f32]) -> f32 {
    let last = (per_frame.len() - 1) as f32;
    let middle: Vec<f32> = per_frame
        .iter()
        .enumerate()
        .filter(|(k, _)| (1.0 / 3.0..=2.0 / 3.0).contains(&(*k as f32 / last)))
        .map(|(_, c)| *c)
        .collect();
    middle.iter().sum::<f32>() / middle.len().max(1) as f32
}

/// Per row of class probabilities: the most probable class and its probability.
fn top_classes(probabilities: &[f32]) -> (Vec<u8>, Vec<f32>) {
    probabilities
        .chunks_exact(CLASSES)
        .map(|row| {
            let (class, p) = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("10 classes");
            (class as u8, *p)
        })
        .unzip()
}

/// Two edits of a digit with the same number of changed pixels, each from blank (0) to full
/// ink (1): one continues the stroke straight down below its lowest ink, one puts the same
/// number of pixels in the corner column farthest from it. Returns (extended, stray, changed).
fn edits(digit: &[f32]) -> (Vec<f32>, Vec<f32>, usize) {
    const INK: f32 = 0.5;
    const LENGTH: usize = 4;
    let at = |x: usize, y: usize| y * SIDE + x;
    let Some(lowest) = (0..PIXELS).filter(|&i| digit[i] >= INK).max_by_key(|&i| (i / SIDE, i % SIDE)) else {
        return (digit.to_vec(), digit.to_vec(), 0);
    };
    let (x, y) = (lowest % SIDE, lowest / SIDE);
    let below: Vec<usize> =
        (y + 1..SIDE).map(|row| at(x, row)).filter(|&i| digit[i] == 0.0).take(LENGTH).collect();
    let corner_x = if x < SIDE / 2 { SIDE - 2 } else { 1 };
    let far: Vec<usize> =
        (1..SIDE).map(|row| at(corner_x, row)).filter(|&i| digit[i] == 0.0).take(below.len()).collect();
    let changed = below.len().min(far.len());
    let (mut extended, mut stray) = (digit.to_vec(), digit.to_vec());
    for (&b, &f) in below.iter().zip(&far) {
        extended[b] = 1.0;
        stray[f] = 1.0;
    }
    (extended, stray, changed)
}
