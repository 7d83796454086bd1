//! The GAN demo's 1-D session: the lecture's picture (Goodfellow et al. 2014, figure 1) — real
//! samples as dots, G's density, D(x) — redrawn as training runs. Its models are tiny, so it
//! always runs on the CPU backend, whatever the page's: a GPU would spend each step launching
//! kernels.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::gan::{TraceScores, TRACED};
use super::{in_range, now_ms, read, to_js, Runtime};
use crate::models::gan::{GanLoss, GanTrainingConfig};
use crate::models::gan1d::{mode_collapse_preset, Gan1dConfig, Gan1dTraining, Picture, RealData};

/// The line the picture shows, and the drawn histogram's range.
const LOW: f32 = -6.0;
const HIGH: f32 = 6.0;
/// Points of the D(x) curve.
const CURVE_POINTS: usize = 241;
/// Bins of G's density, from this many fixed-noise samples.
const BINS: usize = 60;
const GENERATOR_SAMPLES: usize = 4000;
/// Real samples drawn as dots.
const DOTS: usize = 300;
/// A played chunk aims at this wall time: a smooth animation.
const CHUNK_TARGET_MS: f64 = 50.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// "one" (one Gaussian), "two" (two Gaussians) or "drawn" (`histogram`'s bins over the line).
    data: String,
    #[serde(default)]
    histogram: Option<Vec<f32>>,
    /// "non-saturating" or "minimax".
    loss: String,
    k: usize,
    seed: u32,
}

impl Settings {
    fn parse(value: JsValue) -> Result<Self, JsError> {
        let settings: Settings = serde_wasm_bindgen::from_value(value)?;
        in_range("k", settings.k as f64, 1.0, 10.0)?;
        settings.real_data()?;
        settings.loss()?;
        Ok(settings)
    }

    fn real_data(&self) -> Result<RealData, JsError> {
        match self.data.as_str() {
            "one" => Ok(RealData::one_gaussian()),
            "two" => Ok(RealData::two_gaussians()),
            "drawn" => match &self.histogram {
                Some(weights) if weights.iter().any(|w| *w > 0.0) => {
                    Ok(RealData::Histogram { low: LOW, high: HIGH, weights: weights.clone() })
                }
                _ => Err(JsError::new("draw the histogram first: it has no bar yet")),
            },
            other => Err(JsError::new(&format!("unknown real data \"{other}\""))),
        }
    }

    fn loss(&self) -> Result<GanLoss, JsError> {
        self.loss.parse().map_err(|e: String| JsError::new(&e))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct View {
    iterations: usize,
    d_steps: usize,
    g_steps: usize,
    low: f32,
    high: f32,
    /// D(x) at `CURVE_POINTS` evenly spaced points from `low` to `high` (the blue curve).
    d_of_x: Vec<f32>,
    /// The real data's density at the same points.
    data_density: Vec<f32>,
    /// G's density over `BINS` equal bins from `low` to `high` (the green curve).
    generator_density: Vec<f32>,
    /// Real samples (the dots); fixed for a given data choice.
    dots: Vec<f32>,
    generator_mean: f32,
    generator_std: f32,
    data_mean: f32,
    data_std: f32,
    d_loss: Option<f32>,
    g_loss: Option<f32>,
    /// Mean |∂(G's loss)/∂x| at G's points: how hard G is pushed.
    push: f32,
    iterations_per_second: Option<f64>,
    /// A slow-motion iteration's stages (work "slow").
    trace: Option<Trace>,
}

/// One 1-D iteration's stages for the training loop's diagram: the first [`TRACED`] points of
/// G's batch and of the real batch, and what D and G made of them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Trace {
    fakes: Vec<f32>,
    reals: Vec<f32>,
    #[serde(flatten)]
    scores: TraceScores,
}

struct Run {
    training: Gan1dTraining,
    d_steps: usize,
    g_steps: usize,
    iterations_per_chunk: usize,
}

#[wasm_bindgen]
pub struct Gan1dSession {
    device: Device,
    grid: Vec<f32>,
    run: Rc<RefCell<Option<Run>>>,
}

#[wasm_bindgen]
impl Gan1dSession {
    #[wasm_bindgen(constructor)]
    pub fn new(_runtime: &Runtime, _seed: u32) -> Gan1dSession {
        let step = (HIGH - LOW) / (CURVE_POINTS - 1) as f32;
        Gan1dSession {
            device: Device::flex(),
            grid: (0..CURVE_POINTS).map(|i| LOW + step * i as f32).collect(),
            run: Rc::new(RefCell::new(None)),
        }
    }

    /// Fresh G and D from `settings` (`{data, histogram?, loss, k, seed}`).
    pub fn reset(&mut self, settings: JsValue) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        let config = GanTrainingConfig::one_dimensional()
            .with_d_steps(settings.k)
            .with_loss(settings.loss()?)
            .with_seed(settings.seed.into());
        let training =
            Gan1dTraining::from_scratch(&Gan1dConfig::new(), settings.real_data()?, config, &self.device);
        *self.run.borrow_mut() = Some(Run { training, d_steps: 0, g_steps: 0, iterations_per_chunk: 10 });
        Ok(())
    }

    /// The data, the loss and k, between chunks (the seed needs a `reset`).
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsError> {
        let settings = Settings::parse(settings)?;
        let mut slot = self.run.borrow_mut();
        let run = slot.as_mut().ok_or_else(|| JsError::new("no 1-D GAN yet: reset first"))?;
        run.training.set_data(settings.real_data()?);
        let config = run.training.config_mut();
        config.loss = settings.loss()?;
        config.d_steps = settings.k;
        Ok(())
    }

    /// The settings under which G collapses onto one of the two Gaussians (measured natively).
    pub fn mode_collapse_preset_settings(&self) -> Result<JsValue, JsError> {
        let (data, config) = mode_collapse_preset();
        assert_eq!(data, RealData::two_gaussians(), "the preset's data is the page's \"two\"");
        to_js(&Settings {
            data: "two".into(),
            histogram: None,
            loss: config.loss.name().into(),
            k: config.d_steps,
            seed: config.seed as u32,
        })
    }

    /// `work` is "play" (iterations for about 50 ms), "iteration", "slow" (one iteration with its
    /// stages' tensors: `trace`), "d", "g" or "redraw".
    /// Resolves to the picture and the figures.
    pub fn train_chunk(&mut self, work: &str) -> Result<js_sys::Promise, JsError> {
        let started = now_ms();
        let mut slot = self.run.borrow_mut();
        let run = slot.as_mut().ok_or_else(|| JsError::new("no 1-D GAN yet: reset first"))?;
        let nan = || Tensor::<1>::full([1], f32::NAN, &self.device);
        let count = if work == "play" { run.iterations_per_chunk } else { 1 };
        let mut trace = None;
        let losses = match work {
            "slow" => {
                let (stats, iteration) = run.training.traced_iteration(TRACED);
                run.d_steps += run.training.config().d_steps.max(1);
                run.g_steps += 1;
                let points = |t: Tensor<2>| t.reshape([TRACED]);
                let scores = TraceScores::parts(&iteration);
                trace = Some(Tensor::cat(
                    [vec![points(iteration.fake), points(iteration.real)], scores].concat(),
                    0,
                ));
                Tensor::cat(vec![stats.d_loss, stats.g_loss], 0)
            }
            "play" | "iteration" => {
                let stats: Vec<Tensor<1>> = (0..count)
                    .map(|_| {
                        let s = run.training.iteration();
                        Tensor::cat(vec![s.d_loss, s.g_loss], 0)
                    })
                    .collect();
                run.d_steps += count * run.training.config().d_steps.max(1);
                run.g_steps += count;
                Tensor::stack::<2>(stats, 0).mean_dim(0).reshape([2])
            }
            "d" => {
                run.d_steps += 1;
                Tensor::cat(vec![run.training.step_d().loss, nan()], 0)
            }
            "g" => {
                run.g_steps += 1;
                Tensor::cat(vec![nan(), run.training.step_g().loss], 0)
            }
            "redraw" => Tensor::cat(vec![nan(), nan()], 0),
            other => return Err(JsError::new(&format!("unknown work \"{other}\""))),
        };
        let traced = trace.is_some();
        let (k, batch) = (run.training.config().d_steps.max(1), run.training.config().batch_size);
        let all = Tensor::cat(
            [
                vec![
                    losses,
                    run.training.generator_push(GENERATOR_SAMPLES),
                    run.training.view(&self.grid, GENERATOR_SAMPLES),
                ],
                trace.into_iter().collect(),
            ]
            .concat(),
            0,
        );
        let view_len = CURVE_POINTS + GENERATOR_SAMPLES;
        let data = run.training.data().clone();
        let dots = run.training.real_samples(DOTS, 1);
        let (iterations, d_steps, g_steps) = (run.training.iterations(), run.d_steps, run.g_steps);
        drop(slot);

        let grid = self.grid.clone();
        let shared = self.run.clone();
        let played = matches!(work, "play" | "iteration" | "slow");
        let play = work == "play";
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = read(all).await?;
            let elapsed = (now_ms() - started).max(1.0);
            if play {
                if let Some(run) = shared.borrow_mut().as_mut() {
                    let wanted = (count as f64 * CHUNK_TARGET_MS / elapsed).round() as usize;
                    run.iterations_per_chunk = wanted.clamp(1, count * 2).min(2000);
                }
            }
            let (losses, rest) = values.split_at(2);
            let (push, rest) = rest.split_at(1);
            let (view, rest) = rest.split_at(view_len);
            let trace = traced.then(|| Trace {
                fakes: rest[..TRACED].to_vec(),
                reals: rest[TRACED..2 * TRACED].to_vec(),
                scores: TraceScores::from_values(&rest[2 * TRACED..], TRACED, k, batch, elapsed),
            });
            let picture = Picture::from_view(view, &grid, BINS);
            let (data_mean, data_std) = data.mean_std();
            let measured = |v: f32| v.is_finite().then_some(v);
            Ok(to_js(&View {
                iterations,
                d_steps,
                g_steps,
                low: LOW,
                high: HIGH,
                d_of_x: picture.d_of_x,
                data_density: grid.iter().map(|&x| data.density(x)).collect(),
                generator_density: picture.generator_density,
                dots,
                generator_mean: picture.generator_mean,
                generator_std: picture.generator_std,
                data_mean,
                data_std,
                d_loss: measured(losses[0]),
                g_loss: measured(losses[1]),
                push: push[0],
                iterations_per_second: played.then(|| count as f64 * 1000.0 / elapsed),
                trace,
            })?)
        }))
    }
}
