//! The convolutional auto-encoder's session (`?demo=ae-variants`): one conv encoder with
//! max-pooling and three decoders (max-unpooling with the switches, repeat-unpooling,
//! transposed convolution) on a drawing or on test digits, the feature maps right after the
//! first unpooling, and the transposed convolution checked against a plain convolution over the
//! zero-inserted input.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{check_device, drawing_to_mnist, grid_rgba, in_range, read, to_js, to_rgba, Digits, Runtime};
use crate::data::mnist::{images_tensor, PIXELS};
use crate::models::autoencoder::per_image_error;
use crate::models::conv_autoencoder::{ConvAutoencoder, ConvAutoencoderConfig};
use crate::weights;

/// Channels shown of the maps after the second unpooling (of 16).
const SECOND_MAPS: usize = 8;
/// Test digits per chunk of the background test-error measurement.
const TEST_CHUNK: usize = 250;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    input: ByteBuf,
    label: Option<u8>,
    /// The three decoders' rebuilds (28×28 RGBA), in `DECODERS` order, and their squared errors
    /// summed over the pixels.
    rebuilds: Vec<ByteBuf>,
    errors: Vec<f32>,
    /// The maps right after the first unpooling: two rows (switches, repeat) of `channels` maps
    /// of `side`×`side`, each scaled to its own range, RGBA.
    maps: ByteBuf,
    channels: usize,
    side: usize,
    /// The same right after the second unpooling (14×14 → 28×28), the first `SECOND_MAPS`
    /// channels.
    second_maps: ByteBuf,
    second_channels: usize,
    /// max |transposed convolution − convolution over the zero-inserted input| on this input.
    deconv_difference: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Strip {
    /// Four rows (input, then the three decoders) of `count` test digits, RGBA.
    rgba: ByteBuf,
    count: usize,
    labels: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    tested: usize,
    total: usize,
    done: bool,
    /// Mean squared error per test digit of each decoder so far.
    errors: Vec<f32>,
}

#[wasm_bindgen]
pub struct ConvAeSession {
    device: Device,
    model: ConvAutoencoder,
    digits: Digits,
    /// Summed errors of the test digits measured so far.
    sums: Rc<RefCell<(usize, [f64; 3])>>,
    rng: rand::rngs::SmallRng,
}

#[wasm_bindgen]
impl ConvAeSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> ConvAeSession {
        let device = runtime.device.clone();
        ConvAeSession {
            model: ConvAutoencoderConfig::new().init(&device),
            device,
            digits: Digits::default(),
            sums: Default::default(),
            rng: rand::SeedableRng::seed_from_u64(seed.into()),
        }
    }

    pub fn load_weights(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.model = weights::load(ConvAutoencoderConfig::new().init(&self.device), bytes, file)?;
        Ok(())
    }

    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    pub fn query_drawing(
        &self,
        rgba: &[u8],
        width: usize,
        height: usize,
    ) -> Result<js_sys::Promise, JsError> {
        self.query(drawing_to_mnist(rgba, width, height)?, None)
    }

    pub fn query_test_digit(&self, index: usize) -> Result<js_sys::Promise, JsError> {
        let (image, label) = self.digits.test_digit(index)?;
        self.query(image, Some(label))
    }

    /// `count` test digits from `first` and their three rebuilds: `{rgba, count, labels}`.
    pub fn test_strip(&self, first: usize, count: usize) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the strip's length", count as f64, 1.0, 16.0)?;
        let test = self.digits.test()?;
        // `first` may be any 32-bit number: reduced first, so `first + count` cannot wrap.
        let start = first % test.len();
        let indices: Vec<usize> = (start..start + count).map(|i| i % test.len()).collect();
        let images = test.batch(&indices, &self.device);
        let [a, b, c] = self.model.reconstruct(images.clone());
        let all = Tensor::cat(vec![images, a, b, c], 0);
        let labels = indices.iter().map(|&i| test.label(i)).collect();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            Ok(to_js(&Strip { rgba: ByteBuf::from(grid_rgba(&values, 4, count)), count, labels })?)
        }))
    }

    /// The next chunk of the test-error measurement over every test digit (the worker loops it
    /// until `done`).
    pub fn measure(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let test = self.digits.test()?;
        let (tested, _) = *self.sums.borrow();
        let indices: Vec<usize> = (tested..(tested + TEST_CHUNK).min(test.len())).collect();
        let errors: Vec<Tensor<1>> = if indices.is_empty() {
            Vec::new()
        } else {
            let images = test.batch(&indices, &self.device);
            self.model
                .reconstruct(images.clone())
                .into_iter()
                .map(|r| per_image_error(r, images.clone()).sum())
                .collect()
        };
        let shared = self.sums.clone();
        let total = test.len();
        let count = indices.len();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = if errors.is_empty() { Vec::new() } else { read(Tensor::cat(errors, 0)).await? };
            let mut sums = shared.borrow_mut();
            if count > 0 {
                sums.0 += count;
                for (sum, value) in sums.1.iter_mut().zip(&values) {
                    *sum += f64::from(*value);
                }
            }
            let tested = sums.0;
            Ok(to_js(&Progress {
                tested,
                total,
                done: tested >= total,
                errors: sums.1.iter().map(|s| (s / tested.max(1) as f64) as f32).collect(),
            })?)
        }))
    }
}

impl ConvAeSession {
    fn query(&self, image: Vec<f32>, label: Option<u8>) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let input = images_tensor(image.clone(), &self.device);
        let rebuilds = self.model.reconstruct(input.clone());
        let errors: Vec<Tensor<1>> =
            rebuilds.iter().map(|r| per_image_error(r.clone(), input.clone())).collect();
        let [switch_maps, repeat_maps] = self.model.unpooled_maps(input.clone());
        let [_, channels, side, _] = switch_maps.dims();
        let maps = Tensor::cat(vec![switch_maps, repeat_maps], 0).reshape([2 * channels * side * side]);
        let [switch_maps, repeat_maps] = self.model.second_unpooled_maps(input.clone());
        let [_, wide, big, _] = switch_maps.dims();
        let second_channels = wide.min(SECOND_MAPS);
        let first_channels = |maps: Tensor<4>| maps.slice([0..1, 0..second_channels]);
        let second_maps = Tensor::cat(vec![first_channels(switch_maps), first_channels(repeat_maps)], 0)
            .reshape([2 * second_channels * big * big]);
        let (deconv, as_conv) = self.model.deconv_check(input);
        let difference = (deconv - as_conv).abs().max().reshape([1]);
        let all = Tensor::cat(
            vec![
                Tensor::cat(rebuilds.to_vec(), 0).reshape([3 * PIXELS]),
                Tensor::cat(errors, 0),
                difference,
                maps,
                second_maps,
            ],
            0,
        );
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let (pixels, rest) = values.split_at(3 * PIXELS);
            let (errors, rest) = rest.split_at(3);
            let (difference, rest) = rest.split_at(1);
            let (maps, second_maps) = rest.split_at(2 * channels * side * side);
            Ok(to_js(&Query {
                input: ByteBuf::from(to_rgba(&image)),
                label,
                rebuilds: pixels.chunks(PIXELS).map(|p| ByteBuf::from(to_rgba(p))).collect(),
                errors: errors.to_vec(),
                maps: ByteBuf::from(maps_rgba(maps, 2, channels, side)),
                channels,
                side,
                second_maps: ByteBuf::from(maps_rgba(second_maps, 2, second_channels, big)),
                second_channels,
                deconv_difference: difference[0],
            })?)
        }))
    }
}

/// `rows·cols` feature maps of `side`×`side`, each scaled from 0 to its own maximum (ReLU maps
/// are ≥ 0; zeros stay black so the switches' zeros show), laid out as one RGBA image.
fn maps_rgba(values: &[f32], rows: usize, cols: usize, side: usize) -> Vec<u8> {
    let area = side * side;
    let mut image = vec![0.0; rows * cols * area];
    for (index, map) in values.chunks_exact(area).enumerate() {
        let top = map.iter().copied().fold(0.0f32, f32::max).max(1e-6);
        let (row, col) = (index / cols, index % cols);
        for (y, line) in map.chunks_exact(side).enumerate() {
            let start = (row * side + y) * cols * side + col * side;
            for (x, v) in line.iter().enumerate() {
                image[start + x] = v.max(0.0) / top;
            }
        }
    }
    to_rgba(&image)
}
