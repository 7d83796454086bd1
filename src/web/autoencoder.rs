//! The auto-encoder demo's session: draw → MNIST-style input → AE code and reconstruction, the
//! corrupted copy and the DAE's repair; and in-browser training of either model.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{check_device, drawing_to_mnist, now_ms, on_pool, read, to_js, to_rgba, Digits, Runtime};
use crate::data::draw;
use crate::data::mnist::{images_tensor, PIXELS, SIDE};
use crate::data::noise::Corruption;
use crate::data::picture::{diverging_rgba, max_abs, tiles_rgba, unit_grid};
use crate::models::autoencoder::{
    Autoencoder, AutoencoderConfig, AutoencoderTraining, TrainingConfig, DAE_TRAINING_CORRUPTION,
};
use crate::weights;

/// Test digits the live test loss is measured on (fixed, so the curve is comparable over time).
const TEST_LOSS_IMAGES: usize = 256;
/// A training chunk aims at this wall time: long enough to amortise the readback, short enough
/// for the page to see progress and for pause to answer at once.
const CHUNK_TARGET_MS: f64 = 150.0;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Views {
    /// 28×28 RGBA images, white ink on black.
    input: ByteBuf,
    code: Vec<f32>,
    reconstruction: ByteBuf,
    noisy: ByteBuf,
    /// The plain AE's reconstruction of the corrupted copy, to compare with the DAE's.
    noisy_reconstruction: ByteBuf,
    denoised: ByteBuf,
    /// The AE's layers for the clean input, input first and output last (the diagram).
    layers: Vec<LayerView>,
    millis: f64,
}

/// One layer of the diagram: its units as `columns`×`rows` cells ([`unit_grid`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerView {
    columns: usize,
    rows: usize,
    /// RGBA, one pixel per unit (the last row's spare cells, if any, are not drawn).
    rgba: ByteBuf,
    values: Vec<f32>,
    /// The largest |value|: the scale of the colours.
    scale: f32,
}

/// A layer's weights as a picture: `{rgba, width, height, tiles, tile}` (`tiles` 28×28
/// pictures when `tile` is 28, one matrix when it is 0).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WeightsView {
    rgba: ByteBuf,
    width: usize,
    height: usize,
    tiles: usize,
    tile: usize,
    /// The largest |weight| shown.
    scale: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    model: String,
    steps: usize,
    train_loss: f32,
    test_loss: f32,
    steps_per_second: f64,
}

struct Training {
    model: &'static str,
    run: AutoencoderTraining,
    steps_per_chunk: usize,
}

#[wasm_bindgen]
pub struct AutoencoderSession {
    device: Device,
    config: AutoencoderConfig,
    ae: Autoencoder,
    dae: Autoencoder,
    /// As loaded, so "continue from the shipped weights" means that after any training here.
    shipped_ae: Autoencoder,
    shipped_dae: Autoencoder,
    digits: Digits,
    training: Rc<RefCell<Option<Training>>>,
    rng: SmallRng,
}

#[wasm_bindgen]
impl AutoencoderSession {
    /// Starts with untrained models; `load_weights` brings in the shipped ones.
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> AutoencoderSession {
        let device = runtime.device.clone();
        let config = AutoencoderConfig::shipped();
        let (ae, dae) = (config.init(&device), config.init(&device));
        AutoencoderSession {
            shipped_ae: ae.clone(),
            shipped_dae: dae.clone(),
            ae,
            dae,
            config,
            device,
            digits: Digits::default(),
            training: Rc::new(RefCell::new(None)),
            rng: SmallRng::seed_from_u64(seed.into()),
        }
    }

    /// `model` is "ae" or "dae"; a bad file leaves the current weights in place.
    pub fn load_weights(&mut self, model: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        let loaded = weights::load(self.config.init(&self.device), bytes, file)?;
        match model {
            "ae" => (self.ae, self.shipped_ae) = (loaded.clone(), loaded),
            "dae" => (self.dae, self.shipped_dae) = (loaded.clone(), loaded),
            other => return Err(JsError::new(&format!("unknown model \"{other}\""))),
        }
        Ok(())
    }

    /// `split` is "train" or "test"; returns the number of digits.
    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// A random digit of the test set: `{pixels (28×28 RGBA), label, index}`.
    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    /// The drawing (RGBA, white ink on black) → MNIST-style input → every view of the demo.
    pub fn run_drawing(
        &self,
        rgba: &[u8],
        width: usize,
        height: usize,
        noise: &str,
        amount: f32,
        noise_seed: u32,
    ) -> Result<js_sys::Promise, JsError> {
        let input = drawing_to_mnist(rgba, width, height)?;
        self.run_image_values(input, noise, amount, noise_seed)
    }

    /// A 28×28 RGBA image (e.g. a test digit) → every view of the demo.
    pub fn run_image(
        &self,
        rgba: &[u8],
        noise: &str,
        amount: f32,
        noise_seed: u32,
    ) -> Result<js_sys::Promise, JsError> {
        if rgba.len() != PIXELS * 4 {
            return Err(JsError::new("an input image must be 28×28 RGBA"));
        }
        self.run_image_values(draw::ink_from_rgba(rgba), noise, amount, noise_seed)
    }

    /// Begins (or restarts) in-browser training of "ae" or "dae", from the shipped weights or
    /// from a fresh initialisation.
    pub fn train_start(&mut self, model: &str, from_scratch: bool, seed: u32) -> Result<(), JsError> {
        let (name, shipped, corruption) = match model {
            "ae" => ("ae", &self.shipped_ae, Corruption::None),
            "dae" => ("dae", &self.shipped_dae, DAE_TRAINING_CORRUPTION),
            other => return Err(JsError::new(&format!("unknown model \"{other}\""))),
        };
        if self.digits.train.is_none() {
            return Err(JsError::new("the training set is not loaded yet"));
        }
        let start = if from_scratch { self.config.init(&self.device) } else { shipped.clone() };
        let config = TrainingConfig::new().with_corruption(corruption).with_seed(seed.into());
        *self.training.borrow_mut() = Some(Training {
            model: name,
            run: AutoencoderTraining::new(start, config, &self.device),
            steps_per_chunk: 1,
        });
        Ok(())
    }

    /// Runs a chunk of training steps and reads back, once, the chunk's mean train loss and the
    /// test loss; the trained model then serves `run_*`. Resolves to `{model, steps, trainLoss,
    /// testLoss, stepsPerSecond}`.
    pub fn train_chunk(&mut self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let (train, test) = match (&self.digits.train, &self.digits.test) {
            (Some(train), Some(test)) => (train.clone(), test.clone()),
            _ => return Err(JsError::new("training needs the train and test sets")),
        };
        let started = now_ms();
        let (losses, model_name, model, steps, count) = {
            let mut slot = self.training.borrow_mut();
            let training = slot.as_mut().ok_or_else(|| JsError::new("call train_start first"))?;
            let count = training.steps_per_chunk;
            let (train, test, run) = (&*train, &*test, &mut training.run);
            let (losses, model) = on_pool(|| {
                let train_losses: Vec<Tensor<1>> = (0..count).map(|_| run.step(train)).collect();
                let test_loss = run.held_out_loss(test, TEST_LOSS_IMAGES);
                (Tensor::cat(vec![Tensor::cat(train_losses, 0).mean(), test_loss], 0), run.model())
            });
            (losses, training.model, model, training.run.steps(), count)
        };
        match model_name {
            "ae" => self.ae = model,
            _ => self.dae = model,
        }
        let training = self.training.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(losses).await?;
            let elapsed = (now_ms() - started).max(1.0);
            if let Some(t) = training.borrow_mut().as_mut() {
                // Aim the next chunk at the target time; the readback cost is shared by its steps.
                let wanted = (count as f64 * CHUNK_TARGET_MS / elapsed).round() as usize;
                t.steps_per_chunk = wanted.clamp(1, (count * 2).max(2)).min(64);
            }
            Ok(to_js(&Progress {
                model: model_name.into(),
                steps,
                train_loss: values[0],
                test_loss: values[1],
                steps_per_second: count as f64 * 1000.0 / elapsed,
            })?)
        }))
    }

    /// Ends training; the trained weights stay in use.
    pub fn train_stop(&mut self) {
        self.training.borrow_mut().take();
    }

    /// The weights into layer `layer` of the AE's diagram (1 = the first hidden layer, …, the
    /// last = the output; 0, the input, has none): where a side is a 28×28 image, each unit's
    /// weights to or from it as a 28×28 picture (the first layer: what each unit looks for; the
    /// output layer: what each unit paints), else the matrix, one row per unit. One readback.
    pub fn layer_weights(&self, layer: usize) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let linears: Vec<&burn::nn::Linear> =
            self.ae.encoder_layers().iter().chain(self.ae.decoder_layers()).collect();
        let linear = layer.checked_sub(1).and_then(|i| linears.get(i)).ok_or_else(|| {
            JsError::new(&format!("the diagram's layers with weights are 1 to {}", linears.len()))
        })?;
        // Burn keeps a layer's weights as [inputs, units].
        let weights = linear.weight.val();
        let [inputs, units] = weights.dims();
        let (tensor, tile) = match (inputs, units) {
            (PIXELS, _) => (weights.transpose(), SIDE), // per unit: its 784 input weights
            (_, PIXELS) => (weights, SIDE),             // per unit below: its 784 output weights
            _ => (weights.transpose(), 0),              // rows: the units, columns: their inputs
        };
        let [rows, columns] = tensor.dims();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(tensor).await?;
            let scale = max_abs(&values);
            let view = if tile == SIDE {
                let (rgba, width, height) = tiles_rgba(&values, SIDE, unit_grid(rows).0);
                WeightsView { rgba: ByteBuf::from(rgba), width, height, tiles: rows, tile, scale }
            } else {
                let rgba = ByteBuf::from(diverging_rgba(&values, scale));
                WeightsView { rgba, width: columns, height: rows, tiles: 0, tile, scale }
            };
            Ok(to_js(&view)?)
        }))
    }
}

impl AutoencoderSession {
    fn run_image_values(
        &self,
        input: Vec<f32>,
        noise: &str,
        amount: f32,
        noise_seed: u32,
    ) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let started = now_ms();
        let corruption = Corruption::from_parts(noise, amount).map_err(|e| JsError::new(&e))?;
        let mut noisy = input.clone();
        corruption.apply(&mut noisy, noise_seed.into());

        // Both models run on [clean; noisy]; one readback brings everything home: the AE's
        // layers for the clean digit (the diagram; the code and the rebuild among them), its
        // rebuild of the noisy one and the DAE's.
        let pair = images_tensor([input.as_slice(), noisy.as_slice()].concat(), &self.device);
        let mut layers = self.ae.activations(pair.clone());
        let noisy_recon = layers.last().expect("an output layer").clone().narrow(0, 1, 1);
        let widths: Vec<usize> = layers.iter().map(|layer| layer.dims()[1]).collect();
        let denoised = self.dae.forward(pair.narrow(0, 1, 1));
        let code_layer = self.ae.encoder_layers().len() - 1;
        layers = layers.into_iter().map(|layer| layer.narrow(0, 0, 1)).collect();
        let all = Tensor::cat([layers, vec![noisy_recon, denoised]].concat(), 1);
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let mut rest = values.as_slice();
            let mut layers = vec![LayerView::new(&input, true)];
            for (i, &width) in widths.iter().enumerate() {
                let (layer, tail) = rest.split_at(width);
                layers.push(LayerView::new(layer, i + 1 == widths.len()));
                rest = tail;
            }
            let (noisy_recon, denoised) = rest.split_at(PIXELS);
            let reconstruction = ByteBuf::from(to_rgba(&layers[layers.len() - 1].values));
            Ok(to_js(&Views {
                input: ByteBuf::from(to_rgba(&input)),
                code: layers[code_layer + 1].values.clone(),
                reconstruction,
                noisy: ByteBuf::from(to_rgba(&noisy)),
                noisy_reconstruction: ByteBuf::from(to_rgba(noisy_recon)),
                denoised: ByteBuf::from(to_rgba(denoised)),
                layers,
                millis: now_ms() - started,
            })?)
        }))
    }
}

impl LayerView {
    /// A layer's values for the diagram: an image (the input, the output) in grey, any other
    /// layer in two colours on its own scale.
    fn new(values: &[f32], image: bool) -> Self {
        let (columns, rows) = unit_grid(values.len());
        let rgba = if image { to_rgba(values) } else { diverging_rgba(values, max_abs(values)) };
        LayerView {
            columns,
            rows,
            rgba: ByteBuf::from(rgba),
            values: values.to_vec(),
            scale: max_abs(values),
        }
    }
}
