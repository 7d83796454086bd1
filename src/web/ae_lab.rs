//! The auto-encoder lab's session: the deep AE against PCA on a drawing or a test digit, the test
//! digits laid out by a 2-D AE code and by PCA's first two components, the 2-D decoder as a
//! generator over a box of the code plane (plain or with an L2 penalty on the code), and search
//! by code against search by pixels. The test-set figures are measured here, in chunks, while the
//! page is already usable.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{
    check_device, drawing_to_mnist, grid_rgba, in_parts, in_range, on_pool, read, to_js, to_rgba, Digits,
    Runtime,
};
use crate::data::mnist::{images_tensor, PIXELS};
use crate::message::Message;
use crate::models::autoencoder::{box_grid, per_image_error, Autoencoder, AutoencoderConfig};
use crate::models::classifier::{judge, Classifier, ClassifierConfig, CLASSES, READS_AS_DIGIT as CONFIDENCE};
use crate::models::gan::fixed_noise;
use crate::models::pca::{Pca, SHIPPED_COMPONENTS as PCA_COMPONENTS};
use crate::retrieval::{matches, nearest, Measure, SearchIndex, MEASURES};
use crate::weights;

/// Neighbours shown and counted by precision@k.
const SEARCH_K: usize = 10;
/// Digits per chunk of the background measurement: training digits encoded for the index, test
/// digits rebuilt, test digits searched.
const INDEX_CHUNK: usize = 1000;
const TEST_CHUNK: usize = 500;
const QUERY_CHUNK: usize = 250;
/// Most cells per side of the decoder grid.
const MAX_GRID: usize = 16;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    /// The input as the models see it, 28×28 RGBA.
    input: ByteBuf,
    /// A test digit's label (none for a drawing).
    label: Option<u8>,
    deep: ByteBuf,
    pca: ByteBuf,
    components: usize,
    /// Squared error summed over the pixels of each rebuild.
    deep_error: f32,
    pca_error: f32,
    /// The input's place on the three 2-D maps.
    ae2d: [f32; 2],
    ae2d_l2: [f32; 2],
    pca2d: [f32; 2],
    /// Absent until the search index is built.
    search: Option<Search>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Search {
    k: usize,
    /// The k nearest training digits side by side, 28 × 28k RGBA, nearest first.
    by_code: ByteBuf,
    by_pixels: ByteBuf,
    code_labels: Vec<u8>,
    pixel_labels: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Maps {
    labels: ByteBuf,
    /// `[x, y]` per test digit, flat.
    ae2d: Vec<f32>,
    ae2d_l2: Vec<f32>,
    pca2d: Vec<f32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Decoded {
    rows: usize,
    cols: usize,
    /// rows×cols digits without gaps, RGBA.
    rgba: ByteBuf,
    /// Per cell: the class the classifier reads and its probability.
    reads: Vec<u8>,
    confidence: Vec<f32>,
    /// Per cell: read with at least `CONFIDENCE`.
    confident: Vec<bool>,
    /// Share of cells read with at least `CONFIDENCE`.
    share: f32,
    /// The decoded codes, `[x, y]` flat (for marking samples on the map).
    codes: Vec<f32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    done: bool,
    /// The search index is built: queries come with their search results from now on.
    indexed: bool,
    /// What is measured now, worded by the page.
    stage: Message,
    fraction: f64,
    figures: Option<Figures>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Figures {
    test_digits: usize,
    index_digits: usize,
    /// Mean squared error per test digit of PCA with k = 1, 2, … components.
    pca_errors: Vec<f32>,
    deep_error: f32,
    ae2d_error: f32,
    ae2d_l2_error: f32,
    k: usize,
    /// Precision@k of every test digit searched among the index digits.
    precision_code: f32,
    precision_pixels: f32,
    precision_binary: f32,
}

#[derive(Default)]
struct Measurement {
    /// The deep AE's codes of the training digits so far, until the index is built.
    index_chunks: Vec<Tensor<2>>,
    indexed: usize,
    index: Option<Rc<SearchIndex>>,
    tested: usize,
    /// Summed over the test digits so far: PCA's error for each k, the three AEs' errors.
    pca_sums: Vec<f64>,
    ae_sums: [f64; 3],
    queried: usize,
    found: [usize; 3],
    figures: Option<Figures>,
}

/// Test digits by each 2-D code, kept for hover look-ups.
struct MapCodes {
    ae2d: Vec<f32>,
    ae2d_l2: Vec<f32>,
    pca2d: Vec<f32>,
}

#[wasm_bindgen]
pub struct AeLabSession {
    device: Device,
    deep: Autoencoder,
    ae2d: Autoencoder,
    ae2d_l2: Autoencoder,
    pca: Pca,
    classifier: Classifier,
    digits: Digits,
    measurement: Rc<RefCell<Measurement>>,
    maps: Rc<RefCell<Option<MapCodes>>>,
    rng: rand::rngs::SmallRng,
}

#[wasm_bindgen]
impl AeLabSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> AeLabSession {
        use rand::SeedableRng;
        let device = runtime.device.clone();
        AeLabSession {
            deep: AutoencoderConfig::deep().init(&device),
            ae2d: AutoencoderConfig::map_2d().init(&device),
            ae2d_l2: AutoencoderConfig::map_2d().init(&device),
            pca: Pca::zeros(PCA_COMPONENTS, PIXELS, &device),
            classifier: ClassifierConfig::shipped().init(&device),
            device,
            digits: Digits::default(),
            measurement: Rc::new(RefCell::new(Measurement::default())),
            maps: Rc::new(RefCell::new(None)),
            rng: rand::rngs::SmallRng::seed_from_u64(seed.into()),
        }
    }

    /// `model` is "deep", "ae2d", "ae2d-l2" or "pca"; a bad file leaves the current weights.
    pub fn load_weights(&mut self, model: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        match model {
            "deep" => self.deep = weights::load(AutoencoderConfig::deep().init(&self.device), bytes, file)?,
            "ae2d" => self.ae2d = weights::load(AutoencoderConfig::map_2d().init(&self.device), bytes, file)?,
            "ae2d-l2" => {
                self.ae2d_l2 = weights::load(AutoencoderConfig::map_2d().init(&self.device), bytes, file)?
            }
            "pca" => self.pca = weights::load(Pca::zeros(PCA_COMPONENTS, PIXELS, &self.device), bytes, file)?,
            other => return Err(JsError::new(&format!("unknown model \"{other}\""))),
        }
        Ok(())
    }

    pub fn load_classifier(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.classifier = weights::load(ClassifierConfig::shipped().init(&self.device), bytes, file)?;
        Ok(())
    }

    /// `split` is "train" (the digits searched) or "test"; returns the number of digits.
    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// A random test digit: `{pixels, label, index}`.
    pub fn random_test_digit(&mut self) -> Result<JsValue, JsError> {
        self.digits.random_test_digit(&mut self.rng)
    }

    /// The drawing (RGBA, white ink on black) as a query with `components` PCA directions:
    /// resolves to `{input, deep, pca, components, deepError, pcaError, ae2d, ae2dL2, pca2d,
    /// search?}`.
    pub fn query_drawing(
        &self,
        rgba: &[u8],
        width: usize,
        height: usize,
        components: usize,
    ) -> Result<js_sys::Promise, JsError> {
        self.query(drawing_to_mnist(rgba, width, height)?, None, components)
    }

    /// Test digit `index` as a query (see `query_drawing`).
    pub fn query_test_digit(&self, index: usize, components: usize) -> Result<js_sys::Promise, JsError> {
        let (image, label) = self.digits.test_digit(index)?;
        self.query(image, Some(label), components)
    }

    /// The test digits by the plain and the penalised 2-D AE's codes and by PCA's first two
    /// coordinates: `{labels, ae2d, ae2dL2, pca2d}` (flat `[x, y]` pairs).
    pub fn maps(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let test = self.digits.test()?;
        let all: Vec<usize> = (0..test.len()).collect();
        let images = test.batch(&all, &self.device);
        let n = all.len() * 2;
        let codes = Tensor::cat(
            vec![
                self.ae2d.encode(images.clone()).reshape([n]),
                self.ae2d_l2.encode(images.clone()).reshape([n]),
                self.pca.encode(images, 2).reshape([n]),
            ],
            0,
        );
        let labels: Vec<u8> = all.iter().map(|&i| test.label(i)).collect();
        let kept = self.maps.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(codes).await?;
            let (ae2d, rest) = values.split_at(n);
            let (ae2d_l2, pca2d) = rest.split_at(n);
            let maps = Maps {
                labels: ByteBuf::from(labels),
                ae2d: ae2d.to_vec(),
                ae2d_l2: ae2d_l2.to_vec(),
                pca2d: pca2d.to_vec(),
            };
            *kept.borrow_mut() = Some(MapCodes {
                ae2d: maps.ae2d.clone(),
                ae2d_l2: maps.ae2d_l2.clone(),
                pca2d: maps.pca2d.clone(),
            });
            Ok(to_js(&maps)?)
        }))
    }

    /// The test digit whose point on `map` ("ae2d", "ae2d-l2" or "pca2d") is nearest to (x, y):
    /// `{pixels, label, index, x, y}`, or null before the maps are built.
    pub fn nearest_point(&self, map: &str, x: f32, y: f32) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Point {
            pixels: ByteBuf,
            label: u8,
            index: usize,
            /// Where the point is on the map.
            x: f32,
            y: f32,
        }
        let maps = self.maps.borrow();
        let Some(maps) = maps.as_ref() else { return Ok(JsValue::NULL) };
        let points = match map {
            "ae2d" => &maps.ae2d,
            "ae2d-l2" => &maps.ae2d_l2,
            "pca2d" => &maps.pca2d,
            other => return Err(JsError::new(&format!("unknown map \"{other}\""))),
        };
        let distance = |p: &[f32]| (p[0] - x).powi(2) + (p[1] - y).powi(2);
        let index = points
            .chunks_exact(2)
            .enumerate()
            .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))
            .map(|(i, _)| i)
            .ok_or_else(|| JsError::new("the map is empty"))?;
        let test = self.digits.test()?;
        to_js(&Point {
            pixels: ByteBuf::from(to_rgba(&test.image(index))),
            label: test.label(index),
            index,
            x: points[2 * index],
            y: points[2 * index + 1],
        })
    }

    /// The 2-D decoder of `model` ("ae2d" or "ae2d-l2") over the centres of a rows×cols grid on
    /// the box [x0, x1]×[y0, y1] (top row at y1), each cell read by the classifier.
    #[allow(clippy::too_many_arguments)]
    pub fn decode_grid(
        &self,
        model: &str,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        rows: usize,
        cols: usize,
    ) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the grid's rows", rows as f64, 1.0, MAX_GRID as f64)?;
        in_range("the grid's columns", cols as f64, 1.0, MAX_GRID as f64)?;
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) || x1 <= x0 || y1 <= y0 {
            return Err(JsError::new("the box needs finite corners with x0 < x1 and y0 < y1"));
        }
        self.decode_codes(model, box_grid([x0, y0, x1, y1], rows, cols, &self.device), rows, cols)
    }

    /// `count` codes drawn from N(0, I) with `seed` (near 0, where the L2 penalty pulls the
    /// codes), decoded by `model` and read by the classifier, in two rows.
    pub fn sample_prior(&self, model: &str, seed: u32, count: usize) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the number of samples", count as f64, 2.0, 32.0)?;
        let count = count / 2 * 2;
        self.decode_codes(model, fixed_noise(seed.into(), count, 2, &self.device), 2, count / 2)
    }

    /// One chunk of the test-set measurement: first the search index (the deep AE's codes of the
    /// training digits), then every test digit rebuilt by PCA at every k and by the three AEs,
    /// then every test digit searched by code, pixels and binary code. Resolves to `{done, stage,
    /// fraction, figures?}`; the figures come with the last chunk, and every call after that
    /// returns them again at once.
    pub fn measure(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let (train, test) = match (&self.digits.train, &self.digits.test) {
            (Some(train), Some(test)) => (train.clone(), test.clone()),
            _ => return Err(JsError::new("the measurement needs the training and test digits")),
        };
        let state = self.measurement.clone();
        let total = (train.len() + 2 * test.len()) as f64;
        let (indexed, tested, queried) = {
            let s = state.borrow();
            (s.indexed, s.tested, s.queried)
        };
        let done_so_far = (indexed + tested + queried) as f64 / total;
        let step = |stage: &'static str, fraction: f64, indexed: bool, figures: Option<Figures>| Step {
            done: figures.is_some(),
            indexed,
            stage: Message::new(stage),
            fraction,
            figures,
        };

        if let Some(figures) = state.borrow().figures.clone() {
            let result = to_js(&step("lab.stage-done", 1.0, true, Some(figures)))?;
            return Ok(js_sys::Promise::resolve(&result));
        }
        if state.borrow().index.is_none() {
            // The index: the deep AE's codes of the next chunk of training digits.
            let chunk: Vec<usize> = (indexed..(indexed + INDEX_CHUNK).min(train.len())).collect();
            let (deep, digits) = (&self.deep, train.batch(&chunk, &self.device));
            let codes = on_pool(|| in_parts(digits, |part| deep.encode(part)));
            let probe = codes.clone().sum();
            let last = indexed + chunk.len() >= train.len();
            let all: Vec<usize> = (0..train.len()).collect();
            let (pixels, labels) = if last {
                (Some(train.batch(&all, &self.device)), all.iter().map(|&i| train.label(i)).collect())
            } else {
                (None, vec![])
            };
            return Ok(wasm_bindgen_futures::future_to_promise(async move {
                read(probe).await?; // one small readback: the chunk is done when this resolves
                let mut s = state.borrow_mut();
                s.index_chunks.push(codes);
                s.indexed += INDEX_CHUNK;
                if let Some(pixels) = pixels {
                    let codes = Tensor::cat(std::mem::take(&mut s.index_chunks), 0);
                    s.index = Some(Rc::new(SearchIndex::new(codes, pixels, labels)));
                    s.indexed = s.index.as_ref().map_or(0, |i| i.len());
                }
                let indexed = s.index.is_some();
                Ok(to_js(&step("lab.stage-index", done_so_far, indexed, None))?)
            }));
        }
        if tested < test.len() {
            let chunk: Vec<usize> = (tested..(tested + TEST_CHUNK).min(test.len())).collect();
            let images = test.batch(&chunk, &self.device);
            let error_sum = |rebuilt: Tensor<2>| per_image_error(rebuilt, images.clone()).sum();
            // PCA at every k at once: the error with k directions is the centred digit's squared
            // norm less the squares of its first k coordinates.
            let coordinates = self.pca.encode(images.clone(), PCA_COMPONENTS);
            let centred_norms = self.pca.centre(images.clone()).powi_scalar(2).sum();
            let explained = coordinates.powi_scalar(2).cumsum(1).sum_dim(0).reshape([PCA_COMPONENTS]);
            let models = [&self.deep, &self.ae2d, &self.ae2d_l2];
            let rebuilt =
                on_pool(|| models.map(|model| in_parts(images.clone(), |part| model.forward(part))));
            let sums = Tensor::cat(
                [vec![centred_norms, explained], rebuilt.into_iter().map(error_sum).collect()].concat(),
                0,
            );
            let count = chunk.len();
            return Ok(wasm_bindgen_futures::future_to_promise(async move {
                let v = read(sums).await?;
                let mut s = state.borrow_mut();
                if s.pca_sums.is_empty() {
                    s.pca_sums = vec![0.0; PCA_COMPONENTS];
                }
                for k in 0..PCA_COMPONENTS {
                    s.pca_sums[k] += f64::from(v[0]) - f64::from(v[1 + k]);
                }
                for m in 0..3 {
                    s.ae_sums[m] += f64::from(v[1 + PCA_COMPONENTS + m]);
                }
                s.tested += count;
                Ok(to_js(&step("lab.stage-rebuild", done_so_far, true, None))?)
            }));
        }
        let index = state.borrow().index.clone().expect("built above");
        let chunk: Vec<usize> = (queried..(queried + QUERY_CHUNK).min(test.len())).collect();
        let pixels = test.batch(&chunk, &self.device);
        let codes = self.deep.encode(pixels.clone());
        let n = chunk.len() * index.len();
        let distances = Tensor::cat(
            MEASURES
                .iter()
                .map(|&m| index.distances(m, codes.clone(), pixels.clone()).reshape([n]))
                .collect(),
            0,
        );
        let labels: Vec<u8> = chunk.iter().map(|&i| test.label(i)).collect();
        let (test_len, train_len) = (test.len(), train.len());
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(distances).await?;
            let mut s = state.borrow_mut();
            for (slot, block) in values.chunks_exact(n).enumerate() {
                s.found[slot] += matches(&nearest(block, index.len(), SEARCH_K), &labels, &index.labels);
            }
            s.queried += labels.len();
            if s.queried < test_len {
                return Ok(to_js(&step("lab.stage-search", done_so_far, true, None))?);
            }
            let tested = s.tested as f64;
            let per_query = (s.queried * SEARCH_K) as f32;
            let figures = Figures {
                test_digits: s.tested,
                index_digits: train_len,
                pca_errors: s.pca_sums.iter().map(|e| (e / tested) as f32).collect(),
                deep_error: (s.ae_sums[0] / tested) as f32,
                ae2d_error: (s.ae_sums[1] / tested) as f32,
                ae2d_l2_error: (s.ae_sums[2] / tested) as f32,
                k: SEARCH_K,
                precision_code: s.found[0] as f32 / per_query,
                precision_pixels: s.found[1] as f32 / per_query,
                precision_binary: s.found[2] as f32 / per_query,
            };
            s.figures = Some(figures.clone());
            Ok(to_js(&step("lab.stage-done", 1.0, true, Some(figures)))?)
        }))
    }
}

impl AeLabSession {
    fn model_2d(&self, model: &str) -> Result<&Autoencoder, JsError> {
        match model {
            "ae2d" => Ok(&self.ae2d),
            "ae2d-l2" => Ok(&self.ae2d_l2),
            other => Err(JsError::new(&format!("unknown 2-D model \"{other}\""))),
        }
    }

    fn decode_codes(
        &self,
        model: &str,
        codes: Tensor<2>,
        rows: usize,
        cols: usize,
    ) -> Result<js_sys::Promise, JsError> {
        let count = rows * cols;
        let images = self.model_2d(model)?.decode(codes.clone());
        let probabilities = self.classifier.probabilities(images.clone());
        let all = Tensor::cat(
            vec![
                images.reshape([count * PIXELS]),
                probabilities.reshape([count * CLASSES]),
                codes.reshape([count * 2]),
            ],
            0,
        );
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let (images, rest) = values.split_at(count * PIXELS);
            let (probabilities, codes) = rest.split_at(count * CLASSES);
            let judged = judge(probabilities, CONFIDENCE, 1);
            let (reads, confidence): (Vec<u8>, Vec<f32>) = probabilities
                .chunks_exact(CLASSES)
                .map(|row| {
                    let (class, p) =
                        row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("10 classes");
                    (class as u8, *p)
                })
                .unzip();
            Ok(to_js(&Decoded {
                rows,
                cols,
                rgba: ByteBuf::from(grid_rgba(images, rows, cols)),
                confident: confidence.iter().map(|&p| p >= CONFIDENCE).collect(),
                reads,
                confidence,
                share: judged.confident_share,
                codes: codes.to_vec(),
            })?)
        }))
    }

    fn query(
        &self,
        image: Vec<f32>,
        label: Option<u8>,
        components: usize,
    ) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the number of PCA components", components as f64, 1.0, PCA_COMPONENTS as f64)?;
        let input = images_tensor(image.clone(), &self.device);
        let deep = self.deep.forward(input.clone());
        let pca = self.pca.reconstruct(input.clone(), components);
        let index = self.measurement.borrow().index.clone();
        let mut parts = vec![
            deep.clone().reshape([PIXELS]),
            pca.clone().reshape([PIXELS]),
            per_image_error(deep, input.clone()),
            per_image_error(pca, input.clone()),
            self.ae2d.encode(input.clone()).reshape([2]),
            self.ae2d_l2.encode(input.clone()).reshape([2]),
            self.pca.encode(input.clone(), 2).reshape([2]),
        ];
        if let Some(index) = &index {
            let code = self.deep.encode(input.clone());
            for measure in [Measure::Code, Measure::Pixels] {
                parts.push(index.distances(measure, code.clone(), input.clone()).reshape([index.len()]));
            }
        }
        let train = self.digits.train.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let v = read(Tensor::cat(parts, 0)).await?;
            let (deep, rest) = v.split_at(PIXELS);
            let (pca, rest) = rest.split_at(PIXELS);
            let search = match (index, train) {
                (Some(index), Some(train)) => {
                    let strip = |distances: &[f32]| {
                        let found = nearest(distances, index.len(), SEARCH_K).remove(0);
                        let images: Vec<f32> = found.iter().flat_map(|&i| train.image(i)).collect();
                        (
                            ByteBuf::from(grid_rgba(&images, 1, found.len())),
                            found.iter().map(|&i| train.label(i)).collect(),
                        )
                    };
                    let (by_code, code_labels) = strip(&rest[8..8 + index.len()]);
                    let (by_pixels, pixel_labels) = strip(&rest[8 + index.len()..]);
                    Some(Search { k: SEARCH_K, by_code, by_pixels, code_labels, pixel_labels })
                }
                _ => None,
            };
            Ok(to_js(&Query {
                input: ByteBuf::from(to_rgba(&image)),
                label,
                deep: ByteBuf::from(to_rgba(deep)),
                pca: ByteBuf::from(to_rgba(pca)),
                components,
                deep_error: rest[0],
                pca_error: rest[1],
                ae2d: [rest[2], rest[3]],
                ae2d_l2: [rest[4], rest[5]],
                pca2d: [rest[6], rest[7]],
                search,
            })?)
        }))
    }
}
