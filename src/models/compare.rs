//! "Three generators, one judge" (lectures 17–18): samples of the shipped binary PixelRNN, the
//! 10-D VAE (codes from its prior N(0, I)) and the GAN beside real test digits, judged alike, and
//! the table that compares them, with one sentence per row written from its numbers. The same
//! code serves the page's worker session (`web::compare`) and the native test (`tests/compare.rs`).
//!
//! Each source draws from its own stream of a run's seed (StdRng: the same generator on wasm32
//! and natively), so the page and the native test paint the same samples for a seed and count.
//! A sample's nearest training digit is searched among the 10,000 training digits the page
//! carries, by Euclidean distance in pixel space, a chunk of training digits at a time.

use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::classifier::CLASSES;
use super::gan::{normal_noise, to_unit_pixels, Generator};
use super::likeness::{Reading, GREY_HIGH, GREY_LOW};
use super::pixelrnn::{PixelRnn, PixelSampler};
use super::vae::Vae;
use crate::message::Message;
use crate::retrieval::squared_distances;

/// What a column of the table shows, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    PixelRnn,
    Vae,
    Gan,
    Real,
}

pub const SOURCES: [Source; 4] = [Source::PixelRnn, Source::Vae, Source::Gan, Source::Real];

impl Source {
    /// Its name in a sentence ("the VAE's samples").
    pub fn name(self) -> &'static str {
        match self {
            Source::PixelRnn => "PixelRNN",
            Source::Vae => "VAE",
            Source::Gan => "GAN",
            Source::Real => "real test digits",
        }
    }

    /// Its name in the page's hooks (`compare-grid-<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Source::PixelRnn => "pixelrnn",
            Source::Vae => "vae",
            Source::Gan => "gan",
            Source::Real => "real",
        }
    }

    fn stream(self) -> u64 {
        // Any distinct constants: each source's draws must not depend on the others'.
        match self {
            Source::PixelRnn => 0x7069_7865_6c,
            Source::Vae => 0x7661_65,
            Source::Gan => 0x6761_6e,
            Source::Real => 0x7265_616c,
        }
    }

    fn rng(self, seed: u64) -> StdRng {
        StdRng::seed_from_u64(seed ^ self.stream())
    }
}

/// The PixelRNN's temperature: the PixelRNN demo's default for its binary model (chosen by measurement there).
pub const PIXELRNN_TEMPERATURE: f64 = 0.8;
/// Training digits per chunk of the nearest-digit search: 128 samples against 1,000 digits is
/// one 128 × 784 × 1,000 product, tens of milliseconds on one wasm thread.
pub const TRAIN_CHUNK: usize = 1000;
/// A class is "covered" with at least this many samples read as it (few samples per column).
pub const MIN_PER_CLASS: usize = 1;

/// The VAE's decoder means for `count` codes from its prior N(0, I).
pub fn vae_samples(vae: &Vae, seed: u64, count: usize, device: &Device) -> Tensor<2> {
    vae.decode(normal_noise(&mut Source::Vae.rng(seed), count, vae.code_size(), device))
}

/// The GAN's generator on `count` noise vectors from N(0, I), as pixels in [0, 1].
pub fn gan_samples(generator: &Generator, seed: u64, count: usize, device: &Device) -> Tensor<2> {
    to_unit_pixels(generator.forward(normal_noise(
        &mut Source::Gan.rng(seed),
        count,
        generator.latent(),
        device,
    )))
}

/// A sampler that paints `count` digits with the PixelRNN, "any digit" (a labelled model draws
/// each one's label from its seed); step it to the end, then read `images()`.
pub fn pixelrnn_sampler(model: PixelRnn, seed: u64, count: usize, device: &Device) -> PixelSampler {
    let mut rng = Source::PixelRnn.rng(seed);
    let seeds: Vec<u64> = (0..count).map(|_| rng.random::<u32>().into()).collect();
    PixelSampler::new(model, &seeds, None, PIXELRNN_TEMPERATURE, device)
}

/// `count` distinct indices of test digits, out of `digits`.
pub fn real_indices(digits: usize, seed: u64, count: usize) -> Vec<usize> {
    rand::seq::index::sample(&mut Source::Real.rng(seed), digits, count.min(digits)).into_vec()
}

/// Each sample's nearest digit among `train` (`[chunk, 784]`, a chunk of the training digits):
/// `[n, 2]` of (squared distance, index within the chunk), to be read back in one piece and
/// folded into a [`Nearest`].
pub fn nearest_in_chunk(samples: Tensor<2>, train: Tensor<2>) -> Tensor<2> {
    let distances = squared_distances(samples, train);
    let index = distances.clone().argmin(1).float();
    Tensor::cat(vec![distances.min_dim(1), index], 1)
}

/// The nearest training digit found so far for each sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    pub squared: Vec<f32>,
    pub index: Vec<usize>,
}

impl Nearest {
    pub fn new(samples: usize) -> Self {
        Self { squared: vec![f32::INFINITY; samples], index: vec![0; samples] }
    }

    /// Folds in a chunk's [`nearest_in_chunk`], read back, whose first digit is `offset`; the
    /// chunks come in order, so a tie keeps the lower index.
    pub fn absorb(&mut self, packed: &[f32], offset: usize) {
        assert_eq!(packed.len(), 2 * self.squared.len(), "a (distance, index) pair per sample");
        for (k, pair) in packed.chunks_exact(2).enumerate() {
            if pair[0] < self.squared[k] {
                self.squared[k] = pair[0];
                self.index[k] = offset + pair[1] as usize;
            }
        }
    }

    /// Euclidean distances.
    pub fn distances(&self) -> Vec<f32> {
        self.squared.iter().map(|d| d.sqrt()).collect()
    }
}

/// One source's figures.
#[derive(Debug, Clone)]
pub struct Column {
    pub source: Source,
    pub reading: Reading,
    /// Wall time per sample of sampling on the running backend; none for real digits.
    pub ms_per_sample: Option<f64>,
    /// Each sample's distance to its nearest training digit.
    pub nearest: Vec<f32>,
}

impl Column {
    pub fn mean_nearest(&self) -> f32 {
        self.nearest.iter().sum::<f32>() / self.nearest.len().max(1) as f32
    }

    pub fn closest(&self) -> f32 {
        self.nearest.iter().copied().fold(f32::INFINITY, f32::min)
    }

    /// Its name as the page's tables have it (`compare.source.<key>`).
    fn name(&self) -> Message {
        Message::new(match self.source {
            Source::PixelRnn => "compare.source.pixelrnn",
            Source::Vae => "compare.source.vae",
            Source::Gan => "compare.source.gan",
            Source::Real => "compare.source.real",
        })
    }

    /// "the VAE" (or "The VAE" to start a sentence).
    fn the(&self, start: bool) -> Message {
        Message::new(if start { "compare.the-start" } else { "compare.the" }).message("name", self.name())
    }

    /// "the VAE's" (or "The VAE's").
    fn owner(&self, start: bool) -> Message {
        Message::new(if start { "compare.owner-start" } else { "compare.owner" }).message("name", self.name())
    }
}

/// A row of the table: the figure's name, one cell per source, the sentence its numbers support
/// (messages, worded by the page in its language; `english()` natively).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    pub figure: Message,
    pub cells: Vec<String>,
    pub sentence: Message,
}

/// The comparison: one column per source, in [`SOURCES`]' order.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    /// How many training digits the nearest ones were searched among.
    pub training_digits: usize,
}

fn percent(share: f32) -> String {
    format!("{:.0} %", 100.0 * share)
}

/// A share as a number of percent, for a sentence.
fn percent_of(share: f32) -> f64 {
    100.0 * f64::from(share)
}

/// Up to three items as one list: "a and b", "a, b and c" (`two`, `three`: the keys that join).
fn list(items: Vec<Message>, two: &'static str, three: &'static str) -> Message {
    let mut items = items.into_iter();
    match (items.next(), items.next(), items.next()) {
        (Some(a), None, _) => a,
        (Some(a), Some(b), None) => Message::new(two).message("a", a).message("b", b),
        (Some(a), Some(b), Some(c)) => Message::new(three).message("a", a).message("b", b).message("c", c),
        (None, ..) => Message::new("compare.nobody"),
    }
}

/// Names joined for a sentence: "the VAE", "the VAE and the GAN" (capitalised at its start).
fn joined(columns: &[&Column], start: bool) -> Message {
    list(
        columns.iter().enumerate().map(|(i, c)| c.the(start && i == 0)).collect(),
        "compare.and-2",
        "compare.and-3",
    )
}

/// "The VAE's samples", "the VAE's and the GAN's samples".
fn samples_of(columns: &[&Column], start: bool) -> Message {
    let owners = list(
        columns.iter().enumerate().map(|(i, c)| c.owner(start && i == 0)).collect(),
        "compare.and-2",
        "compare.and-3",
    );
    Message::new("compare.samples").message("owners", owners)
}

/// The verb for one subject or for several tied ones (keys `compare.verb.*`).
fn verb(columns: &[&Column], one: &'static str, several: &'static str) -> Message {
    Message::new(if columns.len() == 1 { one } else { several })
}

impl Table {
    pub fn column(&self, source: Source) -> &Column {
        self.columns.iter().find(|c| c.source == source).expect("a column per source")
    }

    fn real(&self) -> &Column {
        self.column(Source::Real)
    }

    fn generators(&self) -> Vec<&Column> {
        self.columns.iter().filter(|c| c.source != Source::Real).collect()
    }

    /// The generators with the largest and with the smallest `figure` (ties together).
    fn extremes(&self, figure: impl Fn(&Column) -> f64) -> (Vec<&Column>, Vec<&Column>) {
        let generators = self.generators();
        let values: Vec<f64> = generators.iter().map(|c| figure(c)).collect();
        let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let bottom = values.iter().copied().fold(f64::INFINITY, f64::min);
        let pick = |target: f64| {
            generators.iter().zip(&values).filter(|(_, &v)| v == target).map(|(c, _)| *c).collect()
        };
        (pick(top), pick(bottom))
    }

    fn cells(&self, cell: impl Fn(&Column) -> String) -> Vec<String> {
        self.columns.iter().map(cell).collect()
    }

    /// The table's rows, each with the sentence its numbers support.
    pub fn rows(&self) -> Vec<Row> {
        vec![
            self.digit_row(),
            self.coverage_row(),
            self.inception_row(),
            self.grey_row(),
            self.speed_row(),
            self.nearest_row(),
        ]
    }

    fn digit_row(&self) -> Row {
        let share = |c: &Column| f64::from(c.reading.digit_share);
        let (most, least) = self.extremes(share);
        let sentence = if share(most[0]) == share(least[0]) {
            Message::new("compare.digit-equal").number("share", percent_of(most[0].reading.digit_share), 0)
        } else {
            Message::new("compare.digit")
                .message("most", samples_of(&most, true))
                .number("mostShare", percent_of(most[0].reading.digit_share), 0)
                .message("least", samples_of(&least, false))
                .number("leastShare", percent_of(least[0].reading.digit_share), 0)
                .number("realShare", percent_of(self.real().reading.digit_share), 0)
        };
        Row {
            figure: Message::new("compare.figure.digit"),
            cells: self.cells(|c| percent(c.reading.digit_share)),
            sentence,
        }
    }

    fn coverage_row(&self) -> Row {
        let coverage = |c: &Column| c.reading.coverage as f64;
        let (most, fewest) = self.extremes(coverage);
        let missing = |c: &Column| -> Message {
            let gone: Vec<String> = (0..CLASSES)
                .filter(|&d| c.reading.histogram[d] < MIN_PER_CLASS)
                .map(|d| d.to_string())
                .collect();
            if gone.is_empty() {
                Message::new("compare.none-missing")
            } else {
                Message::new("compare.missing").text("digits", gone.join(", "))
            }
        };
        let sentence = if coverage(most[0]) == coverage(fewest[0]) {
            Message::new("compare.coverage-equal").number("coverage", coverage(fewest[0]), 0).number(
                "real",
                coverage(self.real()),
                0,
            )
        } else {
            // The name only where several tie ("VAE 9: no 2; GAN 9: no 4").
            let details: Vec<Message> = fewest
                .iter()
                .map(|c| {
                    let detail = Message::new(if fewest.len() > 1 {
                        "compare.detail-named"
                    } else {
                        "compare.detail"
                    });
                    let detail = if fewest.len() > 1 { detail.message("name", c.name()) } else { detail };
                    detail.number("coverage", coverage(c), 0).message("missing", missing(c))
                })
                .collect();
            Message::new("compare.coverage")
                .message("fewest", joined(&fewest, true))
                .message("verbFewest", verb(&fewest, "compare.verb.covers", "compare.verb.cover"))
                .message("details", list(details, "compare.semicolon-2", "compare.semicolon-3"))
                .message("most", joined(&most, false))
                .message("verbMost", verb(&most, "compare.verb.covers", "compare.verb.cover"))
                .number("mostCoverage", coverage(most[0]), 0)
                .number("real", coverage(self.real()), 0)
        };
        Row {
            figure: Message::new("compare.figure.coverage"),
            cells: self.cells(|c| format!("{} / 10", c.reading.coverage)),
            sentence,
        }
    }

    fn inception_row(&self) -> Row {
        let score = |c: &Column| f64::from(c.reading.inception_score);
        let (highest, lowest) = self.extremes(score);
        let sentence = Message::new("compare.inception")
            .message("highest", joined(&highest, true))
            .message("verbHighest", verb(&highest, "compare.verb.has", "compare.verb.share"))
            .number("high", score(highest[0]), 2)
            .message("lowest", joined(&lowest, false))
            .message("verbLowest", verb(&lowest, "compare.verb.has", "compare.verb.share"))
            .number("low", score(lowest[0]), 2)
            .number("real", score(self.real()), 2);
        Row {
            figure: Message::new("compare.figure.inception"),
            cells: self.cells(|c| format!("{:.2}", c.reading.inception_score)),
            sentence,
        }
    }

    fn grey_row(&self) -> Row {
        let grey = |c: &Column| f64::from(c.reading.grey_share);
        let (blurriest, sharpest) = self.extremes(grey);
        let real = self.real().reading.grey_share;
        let fewest = if sharpest[0].reading.grey_share == 0.0 {
            Message::new("compare.grey-none")
        } else {
            Message::new("compare.grey-fewest").number("share", percent_of(sharpest[0].reading.grey_share), 0)
        };
        let sentence = Message::new("compare.grey")
            .message("blurriest", samples_of(&blurriest, true))
            .message("verb", verb(&blurriest, "compare.verb.are", "compare.verb.are-equally"))
            .number("share", percent_of(blurriest[0].reading.grey_share), 0)
            .text("low", GREY_LOW.to_string())
            .text("high", GREY_HIGH.to_string())
            .message(
                "comparison",
                Message::new(if blurriest[0].reading.grey_share > real {
                    "compare.more"
                } else {
                    "compare.no-more"
                }),
            )
            .number("real", percent_of(real), 0)
            .message("sharpest", samples_of(&sharpest, false))
            .message("fewest", fewest);
        Row {
            figure: Message::new("compare.figure.grey"),
            cells: self.cells(|c| format!("{:.1} %", 100.0 * c.reading.grey_share)),
            sentence,
        }
    }

    fn speed_row(&self) -> Row {
        let ms = |c: &Column| c.ms_per_sample.unwrap_or(f64::NAN);
        let (slowest, fastest) = self.extremes(ms);
        let sentence = match (slowest.first(), fastest.first()) {
            (Some(slow), Some(fast)) if ms(slow).is_finite() && ms(fast) > 0.0 => {
                Message::new("compare.speed")
                    .message("slowest", joined(&slowest, true))
                    .message("verb", verb(&slowest, "compare.verb.is", "compare.verb.are"))
                    .number("ms", ms(slow), 2)
                    .number("ratio", ms(slow) / ms(fast), 0)
                    .message("fastest", fast.owner(false))
                    .number("fastMs", ms(fast), 3)
                    .message(
                        "why",
                        Message::new(if slow.source == Source::PixelRnn {
                            "compare.speed-why"
                        } else {
                            "compare.speed-no-why"
                        }),
                    )
            }
            _ => Message::new("compare.speed-untimed"),
        };
        Row {
            figure: Message::new("compare.figure.speed"),
            cells: self.cells(|c| c.ms_per_sample.map_or("–".into(), |ms| format!("{ms:.3}"))),
            sentence,
        }
    }

    fn nearest_row(&self) -> Row {
        let real = self.real().mean_nearest();
        let compared: Vec<Message> = self
            .generators()
            .iter()
            .map(|c| {
                let mean = c.mean_nearest();
                Message::new(if mean < real { "compare.closer" } else { "compare.farther" })
                    .message("owner", c.owner(false))
                    .number("mean", f64::from(mean), 2)
            })
            .collect();
        let closest = self.generators().iter().map(|c| c.closest()).fold(f32::INFINITY, f32::min);
        let sentence = Message::new("compare.nearest-sentence")
            .number("real", f64::from(real), 2)
            .number("training", self.training_digits as f64, 0)
            .message("compared", list(compared, "compare.comma-2", "compare.comma-3"))
            .number("closest", f64::from(closest), 2);
        Row {
            figure: Message::new("compare.figure.nearest"),
            cells: self.cells(|c| format!("{:.2}", c.mean_nearest())),
            sentence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::likeness::read;

    fn column(source: Source, digit_like: bool, grey: f32, ms: Option<f64>, nearest: Vec<f32>) -> Column {
        // One sample: a 1 with a serif, read confidently or not, with `grey` of its pixels grey.
        let mut image = vec![0.0; 784];
        (4..24).for_each(|r| (12..15).for_each(|c| image[r * 28 + c] = 1.0));
        (4..6).for_each(|r| (9..12).for_each(|c| image[r * 28 + c] = 1.0));
        let greys = (grey * 784.0).round() as usize;
        image.iter_mut().filter(|v| **v == 0.0).take(greys).for_each(|v| *v = 0.5);
        let p = if digit_like { 0.99 } else { 0.5 };
        let probabilities: Vec<f32> =
            (0..CLASSES).map(|c| if c == 1 { p } else { (1.0 - p) / 9.0 }).collect();
        Column { source, reading: read(&probabilities, &image, MIN_PER_CLASS), ms_per_sample: ms, nearest }
    }

    fn table() -> Table {
        Table {
            columns: vec![
                column(Source::PixelRnn, false, 0.0, Some(40.0), vec![8.0]),
                column(Source::Vae, true, 0.09, Some(0.1), vec![4.0]),
                column(Source::Gan, true, 0.01, Some(0.2), vec![6.5]),
                column(Source::Real, true, 0.0, None, vec![6.0]),
            ],
            training_digits: 10_000,
        }
    }

    #[test]
    fn sentences_follow_the_numbers() {
        let rows = table().rows();
        let sentence = |figure: &str| {
            rows.iter().find(|r| r.figure.english().starts_with(figure)).unwrap().sentence.english()
        };
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.cells.len() == 4));
        assert!(
            sentence("read as").starts_with("The VAE's and the GAN's samples read as a confident"),
            "{}",
            sentence("read as")
        );
        assert!(
            sentence("digits covered").starts_with("The PixelRNN covers the fewest digits (0: no 0, 1, 2")
        );
        assert!(
            sentence("grey").starts_with("The VAE's samples are the blurriest: 9 %"),
            "{}",
            sentence("grey")
        );
        assert!(sentence("grey").contains("the PixelRNN's samples have none"));
        assert!(sentence("milliseconds").starts_with(
            "The PixelRNN is the slowest, 40.00 ms per sample, 400× the VAE's 0.100 ms: it paints"
        ));
        let nearest = sentence("distance");
        assert!(nearest.contains("sits 6.00 from its nearest of 10,000 training digits"), "{nearest}");
        assert!(
            nearest
                .contains("the PixelRNN's farther (8.00), the VAE's closer (4.00), the GAN's farther (6.50)"),
            "{nearest}"
        );
        assert!(nearest.contains("The closest sample of all sits 4.00 away"));

        // Swap the blur: the sentence follows.
        let mut swapped = table();
        swapped.columns[1] = column(Source::Vae, true, 0.0, Some(0.1), vec![4.0]);
        swapped.columns[2] = column(Source::Gan, true, 0.2, Some(0.2), vec![6.5]);
        let grey = swapped.rows()[3].sentence.english();
        assert!(grey.starts_with("The GAN's samples are the blurriest: 20 %"), "{grey}");
        assert!(grey.contains("the PixelRNN's and the VAE's samples have none"), "{grey}");
    }

    #[test]
    fn nearest_keeps_the_lowest_distance_and_the_earlier_digit_on_ties() {
        let mut nearest = Nearest::new(2);
        nearest.absorb(&[4.0, 3.0, 9.0, 0.0], 0);
        nearest.absorb(&[4.0, 1.0, 1.0, 2.0], 1000);
        assert_eq!(nearest.index, [3, 1002]);
        assert_eq!(nearest.distances(), [2.0, 1.0]);
    }

    #[test]
    fn the_nearest_digit_in_a_chunk_is_found_on_the_device() {
        let device = Device::flex();
        let train = Tensor::<2>::from_floats([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]], &device);
        let samples = Tensor::<2>::from_floats([[3.0, 3.0], [0.2, 0.0]], &device);
        let packed: Vec<f32> = nearest_in_chunk(samples, train).into_data().iter::<f32>().collect();
        assert_eq!(packed.len(), 4);
        assert!((packed[0] - 1.0).abs() < 1e-5 && packed[1] == 1.0, "{packed:?}");
        assert!((packed[2] - 0.04).abs() < 1e-5 && packed[3] == 0.0, "{packed:?}");
    }
}
