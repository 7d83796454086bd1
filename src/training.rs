//! What every native trainer (the `train` binary) shares: where the data and the shipped weights
//! live, the device, the learning-rate schedule, a progress bar, checkpoint timing and writing
//! weights. Native only: the page trains through `web/`.

use std::f64::consts::PI;
use std::io::IsTerminal;
use std::ops::{Add, Div};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::mnist::Mnist;
use crate::weights;

pub const WEIGHTS_DIR: &str = "www/weights";
pub const TEST_FILE: &str = "www/data/mnist_test.bin.gz";
pub const DEFAULT_TRAIN_FILE: &str = "../shared/data/mnist/mnist_train.bin.gz";

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The CPU device (flex) the trainers run on. `seed` seeds the device's own RNG, which the
/// recipes that initialise their model on the device (the classifier, the AE and DAE) rely on;
/// the others start from [`crate::models::seeded`] weights.
pub fn device(seed: Option<u64>) -> Device {
    let device = Device::flex();
    if let Some(seed) = seed {
        device.seed(seed);
    }
    device
}

/// `www/weights/<name>.bpk`.
pub fn weights_path(name: &str) -> PathBuf {
    Path::new(WEIGHTS_DIR).join(format!("{name}.bpk"))
}

/// `--data FILE`, the training digits of the MNIST trainers.
#[derive(clap::Args, Clone, Debug)]
pub struct TrainData {
    /// The training digits (MNIST's 60k by default).
    #[arg(long = "data", value_name = "FILE", default_value = DEFAULT_TRAIN_FILE)]
    pub file: PathBuf,
}

impl TrainData {
    /// The training digits and the 10k test digits the page ships.
    pub fn load(&self) -> Result<(Mnist, Mnist)> {
        Ok((Mnist::load(&self.file)?, Mnist::load(TEST_FILE)?))
    }
}

/// Adam's rate after `done` of `total` units (epochs or steps) of a cosine decay from `base` to 0.
pub fn cosine_rate(base: f64, done: usize, total: usize) -> f64 {
    let progress = done as f64 / total as f64;
    base * 0.5 * (1.0 + (PI * progress).cos())
}

/// Writes `model` as shipped (f16) to `path`, creating its folder, and loads it back into `fresh`
/// (a model of the same shape) so the trainer reports the figures of what it ships. Returns the
/// loaded model and the file's size in bytes.
pub fn ship<M: Module>(model: M, fresh: M, path: impl AsRef<Path>) -> Result<(M, usize)> {
    let path = path.as_ref();
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    Ok(weights::ship(model, fresh, path)?)
}

/// How often a run without a terminal prints its progress line.
const PLAIN_EVERY: Duration = Duration::from_secs(30);

/// Progress through a loop of `total` units: a bar with rate and time left when stderr is a
/// terminal; otherwise (a log file) a plain line to stderr every 30 s, so logs stay readable.
/// The trainers' own lines go through [`Progress::println`], above the bar.
pub struct Progress {
    bar: ProgressBar,
    label: String,
    plain: bool,
    started: Instant,
    start_position: u64,
    last_line: Instant,
}

impl Progress {
    pub fn new(label: impl Into<String>, total: u64) -> Self {
        Self::starting_at(label, 0, total)
    }

    /// As [`Progress::new`] for a loop resumed at `position` (the rate counts this run's units).
    pub fn starting_at(label: impl Into<String>, position: u64, total: u64) -> Self {
        let label = label.into();
        let plain = !std::io::stderr().is_terminal();
        let bar = if plain { ProgressBar::hidden() } else { ProgressBar::new(total) };
        bar.set_length(total);
        bar.set_position(position);
        let style = ProgressStyle::with_template(
            "{msg} {wide_bar} {human_pos}/{human_len} [{elapsed_precise}, {per_sec}, {eta} left]",
        )
        .expect("a valid template");
        bar.set_style(style);
        bar.set_message(label.clone());
        bar.reset_eta();
        Self {
            bar,
            label,
            plain,
            started: Instant::now(),
            start_position: position,
            last_line: Instant::now(),
        }
    }

    pub fn inc(&mut self, units: u64) {
        self.bar.inc(units);
        if self.plain && self.last_line.elapsed() >= PLAIN_EVERY {
            self.last_line = Instant::now();
            eprintln!("{}", self.plain_line());
        }
    }

    /// `label 1234/6000, 41.2 /s, 116 s left` (slow units: `label 2/6, 95 s each, 380 s left`).
    fn plain_line(&self) -> String {
        let position = self.bar.position();
        let total = self.bar.length().unwrap_or(position);
        let rate = (position - self.start_position) as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        if rate <= 0.0 {
            return format!("{} {position}/{total}", self.label);
        }
        let speed = if rate >= 1.0 { format!("{rate:.1} /s") } else { format!("{:.0} s each", 1.0 / rate) };
        format!("{} {position}/{total}, {speed}, {:.0} s left", self.label, (total - position) as f64 / rate)
    }

    /// Prints `line` to stdout without tearing the bar.
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| println!("{}", line.as_ref()));
    }

    /// Clears the bar; returns the seconds since it started.
    pub fn finish(self) -> f64 {
        self.bar.finish_and_clear();
        self.started.elapsed().as_secs_f64()
    }
}

/// The loop of the epoch-based trainers: `epochs` passes of `steps_per_epoch` steps under one
/// progress bar. `step(trainer, epoch)` trains one batch and returns its loss (epochs counted
/// from 0, for a schedule), best as a tensor, so the sum is read back once an epoch; after each epoch, `report(trainer, epoch, mean loss)` gives the line
/// printed above the bar (epochs counted from 1). The trainer is passed in, not captured, so both
/// closures can use it. Returns the seconds spent.
pub fn run_epochs<T, L>(
    label: impl Into<String>,
    trainer: &mut T,
    epochs: usize,
    steps_per_epoch: usize,
    mut step: impl FnMut(&mut T, usize) -> L,
    mut report: impl FnMut(&T, usize, L) -> String,
) -> f64
where
    L: Add<Output = L> + Div<f32, Output = L>,
{
    let mut progress = Progress::new(label, (epochs * steps_per_epoch) as u64);
    for epoch in 0..epochs {
        let mut sum: Option<L> = None;
        for _ in 0..steps_per_epoch {
            let loss = step(trainer, epoch);
            sum = Some(match sum {
                Some(sum) => sum + loss,
                None => loss,
            });
            progress.inc(1);
        }
        if let Some(sum) = sum {
            progress.println(report(trainer, epoch + 1, sum / steps_per_epoch as f32));
        }
    }
    progress.finish()
}

/// A timer for periodic work (checkpoints): due once `interval` has passed since it last was.
pub struct Every {
    interval: Duration,
    last: Instant,
}

impl Every {
    pub fn minutes(minutes: f64) -> Self {
        Self { interval: Duration::from_secs_f64(minutes.max(0.0) * 60.0), last: Instant::now() }
    }

    /// True (and the timer restarted) when the interval has passed or `now_anyway` holds.
    pub fn due(&mut self, now_anyway: bool) -> bool {
        let due = now_anyway || self.last.elapsed() >= self.interval;
        if due {
            self.last = Instant::now();
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cosine_schedule_runs_from_the_base_rate_to_half_at_midway() {
        assert_eq!(cosine_rate(2e-3, 0, 10), 2e-3);
        assert!((cosine_rate(2e-3, 5, 10) - 1e-3).abs() < 1e-12);
        assert!(cosine_rate(2e-3, 9, 10) < 1e-4);
    }
}
