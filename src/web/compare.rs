//! The comparison demo's session ("three generators, one judge"): samples a grid from each of the
//! shipped binary PixelRNN, the 10-D VAE and the GAN and takes as many real test digits, times
//! each generator on the running backend, searches each sample's nearest training digit, judges
//! all of them and builds `models::compare`'s table. The page calls [`CompareSession::step`]
//! until it says done; each call does one bounded piece of work and reads back once.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::pixelrnn::advance;
use super::{check_device, grid_rgba, in_range, now_ms, read, to_js, Digits, Runtime};
use crate::data::mnist::{images_tensor, Mnist, PIXELS};
use crate::message::Message;
use crate::models::classifier::{Classifier, ClassifierConfig, CLASSES};
use crate::models::compare::{
    gan_samples, nearest_in_chunk, pixelrnn_sampler, real_indices, vae_samples, Column, Nearest, Row, Source,
    Table, MIN_PER_CLASS, SOURCES, TRAIN_CHUNK,
};
use crate::models::gan::{Gan, GanConfig};
use crate::models::likeness::read as judge;
use crate::models::pixelrnn::{PixelKind, PixelRnn, PixelRnnConfig, PixelSampler};
use crate::models::vae::{Vae, VaeConfig};
use crate::weights;

/// Each source's grid: 4 × 8 = 32 samples. The PixelRNN paints its 784 pixels one after another
/// whatever the batch, so 32 cost it barely more than one (a few seconds on one CPU thread), and
/// 32 give each share steps of 3 points and about three samples per digit for the coverage.
pub const GRID_ROWS: usize = 4;
pub const GRID_COLS: usize = 8;
const PER_SOURCE: usize = GRID_ROWS * GRID_COLS;
const PIXELRNN_STEPS: usize = PIXELS;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Grid {
    /// `compare-grid-<source>`.
    source: &'static str,
    rows: usize,
    cols: usize,
    /// RGBA, `rows`×`cols` digits of 28×28 at scale 1.
    pixels: ByteBuf,
    /// Whether the grid is finished (the PixelRNN's grows a chunk at a time).
    complete: bool,
}

/// One source's samples as the page shows them beside their nearest training digits.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ColumnView {
    source: &'static str,
    name: &'static str,
    /// Samples read as a digit, per digit (the table's histogram).
    histogram: [usize; CLASSES],
    /// Per sample: the digit the classifier reads and whether it reads as a digit.
    labels: Vec<usize>,
    reads_as_digit: Vec<bool>,
    /// Per sample: its nearest training digit (index, label, distance), and those digits as a
    /// grid laid out like the samples' (RGBA).
    nearest_index: Vec<usize>,
    nearest_label: Vec<u8>,
    nearest_distance: Vec<f32>,
    nearest_pixels: ByteBuf,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TableView {
    rows: Vec<Row>,
    columns: Vec<ColumnView>,
    training_digits: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    /// What is being done, for the page's status line (worded by the page), and how much of
    /// the run is done.
    text: Message,
    fraction: f32,
    grid: Option<Grid>,
    table: Option<TableView>,
    done: bool,
}

/// A source's name in the page's tables.
fn source_key(source: Source) -> &'static str {
    match source {
        Source::PixelRnn => "compare.source.pixelrnn",
        Source::Vae => "compare.source.vae",
        Source::Gan => "compare.source.gan",
        Source::Real => "compare.source.real",
    }
}

struct Run {
    id: u64,
    seed: u64,
    /// Each source's samples once made (`[32·784]` in [0, 1]), in [`SOURCES`]' order.
    samples: [Option<Vec<f32>>; 4],
    ms_per_sample: [Option<f64>; 4],
    painting: Option<PixelSampler>,
    painting_ms: f64,
    /// All samples, on the device, for the nearest-digit search.
    queries: Option<Tensor<2>>,
    nearest: Nearest,
    searched: usize,
    done: bool,
}

impl Run {
    fn slot(source: Source) -> usize {
        SOURCES.iter().position(|&s| s == source).expect("a source of the table")
    }

    /// Share of the run's work done: the PixelRNN's painting and the search dominate.
    fn fraction(&self, painted: usize, training: usize) -> f32 {
        let sampled = [Source::Real, Source::Vae, Source::Gan]
            .iter()
            .filter(|&&s| self.samples[Self::slot(s)].is_some())
            .count();
        0.05 * sampled as f32 / 3.0
            + 0.6 * painted as f32 / PIXELRNN_STEPS as f32
            + 0.3 * self.searched as f32 / training.max(1) as f32
            + if self.done { 0.05 } else { 0.0 }
    }
}

#[wasm_bindgen]
pub struct CompareSession {
    device: Device,
    classifier: Classifier,
    pixelrnn: PixelRnn,
    vae: Vae,
    gan: Gan,
    digits: Digits,
    run: Rc<RefCell<Option<Run>>>,
    runs: u64,
}

#[wasm_bindgen]
impl CompareSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, _seed: u32) -> CompareSession {
        let device = runtime.device.clone();
        CompareSession {
            classifier: ClassifierConfig::shipped().init(&device),
            pixelrnn: PixelRnnConfig::shipped(PixelKind::Binary).init(&device),
            vae: VaeConfig::shipped_10d().init(&device),
            gan: GanConfig::live().init(&device),
            device,
            digits: Digits::default(),
            run: Rc::new(RefCell::new(None)),
            runs: 0,
        }
    }

    /// `model` is "classifier", "pixelrnn" (binary), "vae" (10-D) or "gan"; a bad file leaves the
    /// current weights.
    pub fn load_weights(&mut self, model: &str, bytes: &[u8], file: &str) -> Result<(), JsError> {
        match model {
            "classifier" => {
                self.classifier = weights::load(ClassifierConfig::shipped().init(&self.device), bytes, file)?
            }
            "pixelrnn" => {
                self.pixelrnn =
                    weights::load(PixelRnnConfig::shipped(PixelKind::Binary).init(&self.device), bytes, file)?
            }
            "vae" => self.vae = weights::load(VaeConfig::shipped_10d().init(&self.device), bytes, file)?,
            "gan" => self.gan = weights::load(GanConfig::live().init(&self.device), bytes, file)?,
            other => return Err(JsError::new(&format!("no model \"{other}\" in the comparison"))),
        }
        Ok(())
    }

    /// "test" (the real digits shown) or "train" (searched for each sample's nearest).
    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// Starts a comparison whose samples all come from `seed`; [`Self::step`] does the work.
    pub fn start(&mut self, seed: f64) -> Result<(), JsError> {
        in_range("the seed", seed, 0.0, u32::MAX as f64)?;
        self.digits.test()?;
        self.digits.train()?;
        self.runs += 1;
        *self.run.borrow_mut() = Some(Run {
            id: self.runs,
            seed: seed as u64,
            samples: Default::default(),
            ms_per_sample: [None; 4],
            painting: None,
            painting_ms: 0.0,
            queries: None,
            nearest: Nearest::new(SOURCES.len() * PER_SOURCE),
            searched: 0,
            done: false,
        });
        Ok(())
    }

    /// The next piece of work, at most about `budget_ms` of it where it can be cut (the
    /// PixelRNN's pixels); resolves to `{text, fraction, grid, table, done}`: a grid when one
    /// was drawn or grew, the table when everything is judged.
    pub fn step(&mut self, budget_ms: f64) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        in_range("the time budget", budget_ms, 1.0, 10_000.0)?;
        let (test, train) = (self.digits.test()?, self.digits.train()?);
        let mut slot = self.run.borrow_mut();
        let run = slot.as_mut().ok_or_else(|| JsError::new("no comparison started"))?;
        if run.done {
            return Err(JsError::new("this comparison is done: start another"));
        }
        let (id, seed, started) = (run.id, run.seed, now_ms());
        let next = [Source::Real, Source::Vae, Source::Gan, Source::PixelRnn]
            .into_iter()
            .find(|&s| run.samples[Run::slot(s)].is_none());
        let shared = self.run.clone();
        let work: Work = match next {
            Some(Source::Real) => {
                let values = test.batch_values(&real_indices(test.len(), seed, PER_SOURCE));
                Work::Sampled {
                    source: Source::Real,
                    images: images_tensor(values, &self.device),
                    timed: false,
                }
            }
            Some(Source::Vae) => Work::Sampled {
                source: Source::Vae,
                images: vae_samples(&self.vae, seed, PER_SOURCE, &self.device),
                timed: true,
            },
            Some(Source::Gan) => Work::Sampled {
                source: Source::Gan,
                images: gan_samples(&self.gan.generator, seed, PER_SOURCE, &self.device),
                timed: true,
            },
            Some(Source::PixelRnn) => {
                let painting = run.painting.get_or_insert_with(|| {
                    pixelrnn_sampler(self.pixelrnn.clone(), seed, PER_SOURCE, &self.device)
                });
                advance(painting, PIXELRNN_STEPS, budget_ms);
                painting.take(); // the per-pixel values: the grid below shows them
                Work::Painted {
                    images: painting.images().reshape([PER_SOURCE, PIXELS]),
                    painted: painting.painted(),
                }
            }
            None if run.searched < train.len() => {
                let queries = run.queries.get_or_insert_with(|| {
                    let all: Vec<f32> = run.samples.iter().flatten().flatten().copied().collect();
                    images_tensor(all, &self.device)
                });
                let chunk: Vec<usize> =
                    (run.searched..(run.searched + TRAIN_CHUNK).min(train.len())).collect();
                Work::Searched {
                    offset: run.searched,
                    count: chunk.len(),
                    nearest: nearest_in_chunk(queries.clone(), train.batch(&chunk, &self.device)),
                }
            }
            None => Work::Judged {
                probabilities: self.classifier.probabilities(run.queries.clone().expect("searched, so made")),
            },
        };
        drop(slot);
        let training = train.len();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(work.tensor()).await?;
            let elapsed = now_ms() - started;
            let mut slot = shared.borrow_mut();
            let run = slot
                .as_mut()
                .filter(|run| run.id == id)
                .ok_or_else(|| JsError::new("a new comparison started"))?;
            let mut progress = Progress {
                text: Message::new("compare.step-done"),
                fraction: 0.0,
                grid: None,
                table: None,
                done: false,
            };
            let mut painted = run.painting.as_ref().map_or(0, PixelSampler::painted);
            match work {
                Work::Sampled { source, timed, .. } => {
                    progress.text = Message::new("compare.step-sampled")
                        .message("source", Message::new(source_key(source)))
                        .number("count", PER_SOURCE as f64, 0);
                    progress.grid = Some(grid(source, &values, true));
                    run.ms_per_sample[Run::slot(source)] = timed.then(|| elapsed / PER_SOURCE as f64);
                    run.samples[Run::slot(source)] = Some(values);
                }
                Work::Painted { painted: now, .. } => {
                    painted = now;
                    run.painting_ms += elapsed;
                    let complete = now == PIXELRNN_STEPS;
                    progress.text = Message::new("compare.step-painted")
                        .number("pixel", now as f64, 0)
                        .number("pixels", PIXELRNN_STEPS as f64, 0)
                        .number("count", PER_SOURCE as f64, 0);
                    progress.grid = Some(grid(Source::PixelRnn, &values, complete));
                    if complete {
                        run.ms_per_sample[Run::slot(Source::PixelRnn)] =
                            Some(run.painting_ms / PER_SOURCE as f64);
                        run.samples[Run::slot(Source::PixelRnn)] = Some(values);
                    }
                }
                Work::Searched { offset, count, .. } => {
                    run.nearest.absorb(&values, offset);
                    run.searched = offset + count;
                    progress.text = Message::new("compare.step-searched")
                        .number("searched", run.searched as f64, 0)
                        .number("training", training as f64, 0);
                }
                Work::Judged { .. } => {
                    run.done = true;
                    progress.done = true;
                    progress.text = Message::new("compare.step-done");
                    progress.table = Some(table_view(run, &values, &train)?);
                }
            }
            progress.fraction = run.fraction(painted, training);
            Ok(to_js(&progress)?)
        }))
    }
}

/// What one [`CompareSession::step`] computed, waiting for its readback.
enum Work {
    Sampled { source: Source, images: Tensor<2>, timed: bool },
    Painted { images: Tensor<2>, painted: usize },
    Searched { offset: usize, count: usize, nearest: Tensor<2> },
    Judged { probabilities: Tensor<2> },
}

impl Work {
    fn tensor(&self) -> Tensor<2> {
        match self {
            Work::Sampled { images, .. } | Work::Painted { images, .. } => images.clone(),
            Work::Searched { nearest, .. } => nearest.clone(),
            Work::Judged { probabilities } => probabilities.clone(),
        }
    }
}

fn grid(source: Source, values: &[f32], complete: bool) -> Grid {
    Grid {
        source: source.key(),
        rows: GRID_ROWS,
        cols: GRID_COLS,
        pixels: ByteBuf::from(grid_rgba(values, GRID_ROWS, GRID_COLS)),
        complete,
    }
}

/// The table and, per source, each sample's reading and nearest training digit.
fn table_view(run: &Run, probabilities: &[f32], train: &Mnist) -> Result<TableView, JsError> {
    let distances = run.nearest.distances();
    let mut columns = Vec::new();
    let mut views = Vec::new();
    for (k, &source) in SOURCES.iter().enumerate() {
        let pixels = run.samples[k].as_ref().ok_or_else(|| JsError::new("a source was not sampled"))?;
        let samples = k * PER_SOURCE..(k + 1) * PER_SOURCE;
        let reading =
            judge(&probabilities[samples.start * CLASSES..samples.end * CLASSES], pixels, MIN_PER_CLASS);
        let nearest_index = run.nearest.index[samples.clone()].to_vec();
        views.push(ColumnView {
            source: source.key(),
            name: source.name(),
            histogram: reading.histogram,
            labels: reading.images.iter().map(|r| r.label).collect(),
            reads_as_digit: reading.images.iter().map(|r| r.reads_as_digit()).collect(),
            nearest_label: nearest_index.iter().map(|&i| train.label(i)).collect(),
            nearest_distance: distances[samples.clone()].to_vec(),
            nearest_pixels: ByteBuf::from(grid_rgba(
                &train.batch_values(&nearest_index),
                GRID_ROWS,
                GRID_COLS,
            )),
            nearest_index,
        });
        columns.push(Column {
            source,
            reading,
            ms_per_sample: run.ms_per_sample[k],
            nearest: distances[samples].to_vec(),
        });
    }
    let table = Table { columns, training_digits: train.len() };
    Ok(TableView { rows: table.rows(), columns: views, training_digits: train.len() })
}
