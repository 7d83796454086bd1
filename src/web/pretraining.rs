//! The layer-wise pretraining session (`?demo=ae-variants`): the first layer's filters of the
//! shipped pretrained stack, of a random init and of a net fine-tuned here, and a rerun of the
//! small-N experiment in the page: the pretrained sigmoid net, the same net from random init and
//! a ReLU net, each fine-tuned on the same few labelled digits with the native recipe, then
//! scored on the test digits.

use std::cell::RefCell;
use std::rc::Rc;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::Serialize;
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;

use super::{check_device, on_pool, read, to_js, to_rgba, Digits, Runtime};
use crate::data::mnist::{PIXELS, SIDE};
use crate::message::Message;
use crate::models::pretraining::{
    correct, fine_tuning_config, labelled_subset, labels_tensor, Arm, DigitNet, FineTuning, Stack,
    StackConfig, ARMS,
};
use crate::weights;

/// Fine-tuning steps per chunk (one readback each) and test digits scored per chunk.
const STEPS_PER_CHUNK: usize = 2;
const TEST_CHUNK: usize = 1000;
/// Filters shown per panel, as a square grid.
const FILTER_GRID: usize = 8;
/// Black pixels between panels.
const PANEL_GAP: usize = 8;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Filters {
    /// The panels side by side, each `FILTER_GRID`² filters of 28×28, RGBA.
    rgba: ByteBuf,
    width: usize,
    height: usize,
    panels: Vec<&'static str>,
    fine_tuned: bool,
    caption: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    labels: usize,
    seed: u64,
    test_digits: usize,
    /// Test accuracy in %, per arm.
    pretrained: f32,
    random: f32,
    relu_adam: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    stage: Message,
    fraction: f64,
    done: bool,
    row: Option<Row>,
}

/// An arm's name in the page's tables.
fn arm_key(arm: Arm) -> &'static str {
    match arm {
        Arm::Pretrained => "pretrain.arm.pretrained",
        Arm::Random => "pretrain.arm.random",
        Arm::ReluAdam => "pretrain.arm.relu-adam",
    }
}

/// One run of the small-N experiment: the arms one after another, each fine-tuned, then scored.
struct Run {
    labels: usize,
    seed: u64,
    subset: Vec<usize>,
    arm: usize,
    tuning: FineTuning,
    /// Test digits scored so far for the current arm, and how many were right.
    scored: usize,
    right: f64,
    accuracies: Vec<f32>,
}

#[wasm_bindgen]
pub struct PretrainingSession {
    device: Device,
    stack: Stack,
    digits: Digits,
    run: Rc<RefCell<Option<Run>>>,
    /// The pretrained net after the last run's fine-tuning, for its filters.
    fine_tuned: Rc<RefCell<Option<(DigitNet, usize)>>>,
    seed: u64,
}

#[wasm_bindgen]
impl PretrainingSession {
    #[wasm_bindgen(constructor)]
    pub fn new(runtime: &Runtime, seed: u32) -> PretrainingSession {
        let device = runtime.device.clone();
        PretrainingSession {
            stack: StackConfig::shipped().init(&device),
            device,
            digits: Digits::default(),
            run: Rc::new(RefCell::new(None)),
            fine_tuned: Rc::new(RefCell::new(None)),
            seed: seed.into(),
        }
    }

    pub fn load_weights(&mut self, bytes: &[u8], file: &str) -> Result<(), JsError> {
        self.stack = weights::load(StackConfig::shipped().init(&self.device), bytes, file)?;
        Ok(())
    }

    pub fn load_data(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        self.digits.load(split, bytes, file)
    }

    /// The first layer's filters, panels side by side: the pretrained stack's, a random init's
    /// and, after a run, the pretrained net's once fine-tuned.
    pub fn filters(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let random = Arm::Random.initial_net(&self.stack, self.seed);
        let count = FILTER_GRID * FILTER_GRID;
        let first = |filters: Tensor<2>| filters.slice([0..count, 0..PIXELS]);
        let pretrained = first(self.stack.first_layer_filters());
        let mut panels = vec![pretrained.clone(), first(random.fork(&self.device).first_layer_filters())];
        let mut names = vec!["pretrained", "random"];
        let fine_tuned = self.fine_tuned.borrow().clone();
        let mut change = None;
        if let Some((net, labels)) = &fine_tuned {
            let tuned = first(net.first_layer_filters());
            // How far fine-tuning moved these weights, relative to their size (RMS).
            let moved = (tuned.clone() - pretrained.clone()).powi_scalar(2).sum().sqrt()
                / pretrained.clone().powi_scalar(2).sum().sqrt();
            change = Some((moved, *labels));
            panels.push(tuned);
            names.push("fine-tuned");
        }
        let all = Tensor::cat(panels, 0);
        let panel_count = names.len();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let side = FILTER_GRID * SIDE;
            let caption = if let Some((moved, labels)) = change {
                let moved = read(moved.reshape([1])).await?[0];
                Message::new("pretrain.filters-tuned").number("labels", labels as f64, 0).number(
                    "moved",
                    100.0 * f64::from(moved),
                    1,
                )
            } else {
                Message::new("pretrain.filters")
            };
            Ok(to_js(&Filters {
                rgba: ByteBuf::from(filter_panels(&values, panel_count)),
                width: panels_width(panel_count),
                height: side,
                panels: names,
                fine_tuned: fine_tuned.is_some(),
                caption,
            })?)
        }))
    }

    /// Starts a run with `labels` labelled digits drawn (balanced) by `seed` from the training
    /// digits the page carries; `run_chunk` then advances it.
    pub fn run_start(&mut self, labels: usize, seed: u32) -> Result<(), JsError> {
        let train = self.digits.train()?;
        self.digits.test()?;
        if !(10..=train.len()).contains(&labels) {
            return Err(JsError::new(&format!(
                "labelled digits must be between 10 and {}, not {labels}",
                train.len()
            )));
        }
        let seed = u64::from(seed);
        let subset = labelled_subset(&train, labels, seed);
        let tuning = self.tuning(ARMS[0], labels, seed);
        // A chunk in flight holds the run across its readback.
        let mut slot = self.run.try_borrow_mut().map_err(|_| JsError::new("a run is in progress"))?;
        *slot =
            Some(Run { labels, seed, subset, arm: 0, tuning, scored: 0, right: 0.0, accuracies: Vec::new() });
        Ok(())
    }

    /// A few fine-tuning steps or a chunk of test digits scored: `{stage, fraction, done, row?}`.
    pub fn run_chunk(&self) -> Result<js_sys::Promise, JsError> {
        check_device()?;
        let (train, test) = (self.digits.train()?, self.digits.test()?);
        let run = self.run.clone();
        let fine_tuned = self.fine_tuned.clone();
        let (stack, device) = (self.stack.clone(), self.device.clone());
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let mut slot =
                run.try_borrow_mut().map_err(|_| JsError::new("a chunk of this run is in progress"))?;
            let state = slot.as_mut().ok_or_else(|| JsError::new("no run started"))?;
            // A chunk asked for after the last arm (a loop not yet told to stop) is refused, not
            // an index past ARMS: that panic stopped the worker.
            let arm = *ARMS.get(state.arm).ok_or_else(|| JsError::new("this run is done; start another"))?;
            let total_steps = fine_tuning_config(arm, state.labels).steps;
            if !state.tuning.done() {
                let (tuning, train, subset) = (&mut state.tuning, &*train, &state.subset);
                let losses: Vec<Tensor<1>> = on_pool(|| {
                    let mut losses = Vec::new();
                    while losses.len() < STEPS_PER_CHUNK && !tuning.done() {
                        losses.push(tuning.step(train, subset));
                    }
                    losses
                });
                read(Tensor::cat(losses, 0).mean()).await?;
            } else {
                let indices: Vec<usize> =
                    (state.scored..(state.scored + TEST_CHUNK).min(test.len())).collect();
                let net = state.tuning.net();
                let right =
                    correct(&net, test.batch(&indices, &device), labels_tensor(&test, &indices, &device));
                state.right += f64::from(read(right).await?[0]);
                state.scored += indices.len();
                if state.scored >= test.len() {
                    state.accuracies.push((100.0 * state.right / test.len() as f64) as f32);
                    if arm == Arm::Pretrained {
                        *fine_tuned.borrow_mut() = Some((net, state.labels));
                    }
                    state.arm += 1;
                    if state.arm < ARMS.len() {
                        let next = ARMS[state.arm];
                        state.tuning = FineTuning::new(
                            next.initial_net(&stack, state.seed),
                            fine_tuning_config(next, state.labels).with_seed(state.seed),
                            &device,
                        );
                        state.scored = 0;
                        state.right = 0.0;
                    }
                }
            }
            let arms = ARMS.len() as f64;
            let within = if state.arm >= ARMS.len() {
                0.0
            } else {
                // Fine-tuning is most of an arm's time; scoring the test digits the rest.
                0.8 * state.tuning.steps() as f64 / total_steps as f64
                    + 0.2 * state.scored as f64 / test.len() as f64
            };
            let done = state.arm >= ARMS.len();
            let arm = || Message::new(arm_key(ARMS[state.arm]));
            let stage = if done {
                Message::new("pretrain.stage-done")
            } else if !state.tuning.done() {
                Message::new("pretrain.stage-tuning")
                    .message("arm", arm())
                    .number("step", state.tuning.steps() as f64, 0)
                    .number("steps", total_steps as f64, 0)
            } else {
                Message::new("pretrain.stage-scoring")
                    .message("arm", arm())
                    .number("scored", state.scored as f64, 0)
                    .number("digits", test.len() as f64, 0)
            };
            let row = done.then(|| Row {
                labels: state.labels,
                seed: state.seed,
                test_digits: test.len(),
                pretrained: state.accuracies[0],
                random: state.accuracies[1],
                relu_adam: state.accuracies[2],
            });
            Ok(to_js(&Report {
                stage,
                fraction: (state.arm.min(ARMS.len()) as f64 + within) / arms,
                done,
                row,
            })?)
        }))
    }
}

impl PretrainingSession {
    fn tuning(&self, arm: Arm, labels: usize, seed: u64) -> FineTuning {
        FineTuning::new(
            arm.initial_net(&self.stack, seed),
            fine_tuning_config(arm, labels).with_seed(seed),
            &self.device,
        )
    }
}

/// `panels` blocks of `FILTER_GRID`² filters (784 weights each), side by side with a black gap:
/// grey 0.5 is a zero weight, white and black each filter's largest weight either way.
fn filter_panels(values: &[f32], panels: usize) -> Vec<u8> {
    let side = FILTER_GRID * SIDE;
    let width = panels_width(panels);
    let mut image = vec![0.0; width * side];
    for (index, filter) in values.chunks_exact(PIXELS).enumerate() {
        let (panel, cell) = (index / (FILTER_GRID * FILTER_GRID), index % (FILTER_GRID * FILTER_GRID));
        let (row, col) = (cell / FILTER_GRID, cell % FILTER_GRID);
        let top = filter.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
        for (y, line) in filter.chunks_exact(SIDE).enumerate() {
            let start = (row * SIDE + y) * width + panel * (side + PANEL_GAP) + col * SIDE;
            for (x, v) in line.iter().enumerate() {
                image[start + x] = 0.5 + 0.5 * v / top;
            }
        }
    }
    to_rgba(&image)
}

/// The width of `panels` filter panels and the gaps between them.
fn panels_width(panels: usize) -> usize {
    panels * FILTER_GRID * SIDE + panels.saturating_sub(1) * PANEL_GAP
}
