//! The contractive auto-encoder's session (`?demo=ae-variants`): the shipped plain, denoising and
//! contractive one-layer AEs on a drawing or a test digit, each encoder's Jacobian norm
//! ‖∂code/∂input‖, how far each code moves when the input is nudged, and a contractive AE
//! trained here at any λ.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{
    check_device, drawing_to_mnist, in_range, now_ms, on_pool, read, to_js, to_rgba, Digits, Runtime,
};
use crate::data::mnist::{images_tensor, PIXELS};
use crate::models::autoencoder::per_image_error;
use crate::models::contractive::{
    code_shift, nudge, shipped_variants, ContractiveConfig, ContractiveTraining, ContractiveTrainingConfig,
    Nudge, ShallowAutoencoder, Variant,
};
use crate::weights;

/// Test digits the page's table is measured on (the README gives all 10,000, measured natively).
const TEST_DIGITS: usize = 1000;
/// Steps of a training at a λ with no shipped model, and per chunk (one readback each).
const TRAINING_STEPS: usize = 1500;
const CHUNK_STEPS: usize = 25;
/// Nudges applied one after another for the code-shift plot.
const MAX_NUDGES: usize = 5;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VariantInfo {
    name: &'static str,
    label: &'static str,
    lambda: f64,
    denoising: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    input: ByteBuf,
    label: Option<u8>,
    /// Per shipped variant, in `variants()` order: the rebuild (28×28 RGBA), its squared error
    /// summed over the pixels, the encoder's Jacobian norm on the input.
    rebuilds: Vec<ByteBuf>,
    errors: Vec<f32>,
    jacobians: Vec<f32>,
    /// The contractive AE at the page's λ: a shipped one, the one trained here, or none yet.
    chosen: Option<Chosen>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Chosen {
    lambda: f64,
    /// "shipped" or "trained here".
    source: &'static str,
    steps: usize,
    rebuild: ByteBuf,
    error: f32,
    jacobian: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shifts {
    kind: String,
    /// Nudges applied: 0, 1, … `MAX_NUDGES`.
    nudges: Vec<usize>,
    /// Per model (the shipped variants, then the chosen λ's model when there is one): its label
    /// and ‖code(nudged) − code(input)‖ after each number of nudges.
    labels: Vec<String>,
    shifts: Vec<Vec<f32>>,
    /// The input after all the nudges, 28×28 RGBA.
    nudged: ByteBuf,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrainingReport {
    lambda: f64,
    steps: usize,
    total: usize,
    loss: f32,
    steps_per_second: f64,
    done: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestFigures {
    test_digits: usize,
    /// Per shipped variant: mean squared error per digit and mean Jacobian norm.
    errors: Vec<f32>,
    jacobians: Vec<f32>,
}

/// A contractive AE trained in this page at a λ with no shipped model.
struct Trained {
    lambda: f64,
    training: ContractiveTraining,
}

#[wasm_bindgen]
pub struct ContractiveSession {
    device: Device,
    variants: Vec<(Variant, ShallowAutoencoder)>,
    trained: Rc<RefCell<Option<Trained>>>,
    digits: Digits,
    /// The last query's input, the start of the code-shift experiment.
    input: RefCell<Vec<f32>>,
    rng: rand::rngs::SmallRng,
}

#[wasm_bindgen]
impl ContractiveSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> ContractiveSession {
        let device = runtime.device.clone();
        let variants =
            shipped_variants().into_iter().map(|v| (v, ContractiveConfig::new().init(&device))).collect();
        ContractiveSession {
            device,
            variants,
            trained: Rc::new(RefCell::new(None)),
            digits: Digits::default(),
            input: RefCell::new(vec![0.0; PIXELS]),
            rng: rand::SeedableRng::seed_from_u64(seed.into()),
        }
    }

    /// The shipped variants in the order every result lists them: `[{name, label, lambda,
    /// denoising}]`.
    pub fn variants(&self) -> Result<JsValue, JsError> {
        let infos: Vec<VariantInfo> = self
            .variants
            .iter()
            .map(|(v, _)| VariantInfo {
                name: v.name,
                label: v.label,
                lambda: v.lambda,
                denoising: v.corruption != crate::data::noise::Corruption::None,
            })
            .collect();
        to_js(&infos)
    }

    /// `name` is a variant's file stem; a bad file leaves the current weights.
    pub fn load_weights(&mut self, name: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        let slot = self
            .variants
            .iter_mut()
            .find(|(v, _)| v.name == name)
            .ok_or_else(|| JsError::new(&format!("unknown model \"{name}\"")))?;
        slot.1 = weights::load(ContractiveConfig::new().init(&self.device), bytes, file)?;
        Ok(())
    }

    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    /// The drawing (RGBA) through every model, and through the contractive AE at `lambda`.
    pub fn query_drawing(
        &self,
        rgba: &[u8],
        width: usize,
        height: usize,
        lambda: f64,
    ) -> Result<js_sys::Promise, JsError> {
        self.query(drawing_to_mnist(rgba, width, height)?, None, lambda)
    }

    pub fn query_test_digit(&self, index: usize, lambda: f64) -> Result<js_sys::Promise, JsError> {
        let (image, label) = self.digits.test_digit(index)?;
        self.query(image, Some(label), lambda)
    }

    /// The code-shift experiment on the last query's input: `kind` ("shift", "thicken" or
    /// "noise") applied 0…5 times, and how far each model's code moves.
    pub fn code_shifts(&self, kind: &str, lambda: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let nudge_kind = match kind {
            "shift" => Nudge::Shift,
            "thicken" => Nudge::Thicken,
            "noise" => Nudge::Noise,
            other => return Err(JsError::new(&format!("unknown nudge \"{other}\""))),
        };
        let mut images = vec![self.input.borrow().clone()];
        for step in 0..MAX_NUDGES {
            let next = nudge(&images[step], nudge_kind, step as u64 + 1);
            images.push(next);
        }
        let nudged = to_rgba(&images[MAX_NUDGES]);
        let count = images.len();
        let batch = images_tensor(images.concat(), &self.device);
        let original = images_tensor(images[0].repeat(count), &self.device);
        let mut labels: Vec<String> = self.variants.iter().map(|(v, _)| v.label.to_string()).collect();
        let mut shifts: Vec<Tensor<1>> =
            self.variants.iter().map(|(_, m)| code_shift(m, original.clone(), batch.clone())).collect();
        if let Some((model, chosen_label)) = self.chosen_model(lambda).filter(|(_, s)| *s == "trained here") {
            labels.push(format!("contractive λ = {lambda} ({chosen_label})"));
            shifts.push(code_shift(&model, original, batch));
        }
        let models = shifts.len();
        let all = Tensor::cat(shifts, 0);
        let kind = kind.to_string();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            to_js(&Shifts {
                kind,
                nudges: (0..count).collect(),
                labels,
                shifts: values.chunks(count).take(models).map(<[f32]>::to_vec).collect(),
                nudged: ByteBuf::from(nudged),
            })
            .map_err(Into::into)
        }))
    }

    /// Starts training a contractive AE at `lambda` from the plain AE's weights (a λ with a
    /// shipped model needs none); `train_chunk` then runs it.
    pub fn train_start(&mut self, lambda: f64, seed: u32) -> Result<(), JsError> {
        in_range("λ", lambda, 0.0, 10.0)?;
        self.digits.train()?;
        let plain = self.variants[0].1.clone();
        let config = ContractiveTrainingConfig::new().with_lambda(lambda).with_seed(seed.into());
        *self.trained.borrow_mut() =
            Some(Trained { lambda, training: ContractiveTraining::new(plain, config, &self.device) });
        Ok(())
    }

    /// A few training steps, one readback: `{lambda, steps, total, loss, stepsPerSecond, done}`.
    pub fn train_chunk(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let data = self.digits.train()?;
        let trained = self.trained.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let started = now_ms();
            let (loss, lambda, steps) = {
                let mut slot = trained.borrow_mut();
                let run = slot.as_mut().ok_or_else(|| JsError::new("no training started"))?;
                let remaining = TRAINING_STEPS.saturating_sub(run.training.steps());
                let (training, data) = (&mut run.training, &*data);
                let losses: Vec<Tensor<1>> =
                    on_pool(|| (0..CHUNK_STEPS.min(remaining)).map(|_| training.step(data)).collect());
                (losses, run.lambda, run.training.steps())
            };
            let chunk = loss.len();
            let loss = if chunk == 0 { 0.0 } else { read(Tensor::cat(loss, 0).mean()).await?[0] };
            let seconds = (now_ms() - started) / 1000.0;
            to_js(&TrainingReport {
                lambda,
                steps,
                total: TRAINING_STEPS,
                loss,
                steps_per_second: chunk as f64 / seconds.max(1e-3),
                done: steps >= TRAINING_STEPS,
            })
            .map_err(Into::into)
        }))
    }

    /// Each shipped variant's mean error and Jacobian norm over the first 1,000 test digits.
    pub fn test_figures(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let test = self.digits.test()?;
        let indices: Vec<usize> = (0..TEST_DIGITS.min(test.len())).collect();
        let images = test.batch(&indices, &self.device);
        let figures: Vec<Tensor<1>> = self
            .variants
            .iter()
            .flat_map(|(_, m)| {
                [
                    per_image_error(m.forward(images.clone()), images.clone()).mean(),
                    m.jacobian_norm(images.clone()).mean(),
                ]
            })
            .collect();
        let count = indices.len();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(Tensor::cat(figures, 0)).await?;
            to_js(&TestFigures {
                test_digits: count,
                errors: values.iter().step_by(2).copied().collect(),
                jacobians: values.iter().skip(1).step_by(2).copied().collect(),
            })
            .map_err(Into::into)
        }))
    }
}

impl ContractiveSession {
    /// The contractive AE at `lambda`: a shipped one without input noise, else the one trained
    /// here at that λ.
    fn chosen_model(&self, lambda: f64) -> Option<(ShallowAutoencoder, &'static str)> {
        let shipped = self.variants.iter().find(|(v, _)| {
            v.corruption == crate::data::noise::Corruption::None && (v.lambda - lambda).abs() < 1e-9
        });
        if let Some((_, model)) = shipped {
            return Some((model.clone(), "shipped"));
        }
        let trained = self.trained.borrow();
        trained
            .as_ref()
            .filter(|t| (t.lambda - lambda).abs() < 1e-9)
            .map(|t| (t.training.model(), "trained here"))
    }

    fn query(&self, image: Vec<f32>, label: Option<u8>, lambda: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("λ", lambda, 0.0, 10.0)?;
        *self.input.borrow_mut() = image.clone();
        let input = images_tensor(image.clone(), &self.device);
        let chosen = self.chosen_model(lambda);
        let steps = self.trained.borrow().as_ref().map_or(0, |t| t.training.steps());
        let mut models: Vec<&ShallowAutoencoder> = self.variants.iter().map(|(_, m)| m).collect();
        if let Some((model, _)) = &chosen {
            models.push(model);
        }
        // One readback: every rebuild, then every error, then every Jacobian norm.
        let rebuilds: Vec<Tensor<2>> = models.iter().map(|m| m.forward(input.clone())).collect();
        let errors: Vec<Tensor<1>> =
            rebuilds.iter().map(|r| per_image_error(r.clone(), input.clone())).collect();
        let jacobians: Vec<Tensor<1>> = models.iter().map(|m| m.jacobian_norm(input.clone())).collect();
        let count = models.len();
        let all = Tensor::cat(
            vec![
                Tensor::cat(rebuilds, 1).reshape([count * PIXELS]),
                Tensor::cat(errors, 0),
                Tensor::cat(jacobians, 0),
            ],
            0,
        );
        let source = chosen.map(|(_, source)| source);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let (pixels, rest) = values.split_at(count * PIXELS);
            let (errors, jacobians) = rest.split_at(count);
            let mut rebuilds: Vec<ByteBuf> =
                pixels.chunks(PIXELS).map(|p| ByteBuf::from(to_rgba(p))).collect();
            let chosen = source.map(|source| Chosen {
                lambda,
                source,
                steps: if source == "shipped" { 0 } else { steps },
                rebuild: rebuilds.pop().expect("the chosen model's rebuild"),
                error: errors[count - 1],
                jacobian: jacobians[count - 1],
            });
            let shipped = count - usize::from(chosen.is_some());
            to_js(&Query {
                input: ByteBuf::from(to_rgba(&image)),
                label,
                rebuilds,
                errors: errors[..shipped].to_vec(),
                jacobians: jacobians[..shipped].to_vec(),
                chosen,
            })
            .map_err(Into::into)
        }))
    }
}
