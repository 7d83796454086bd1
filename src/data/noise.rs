//! Corruptions for the denoising auto-encoder. One implementation serves the trainer (whole
//! batches), the page (the drawn digit) and the tests, so the DAE sees at run time exactly the
//! kind of noise it was trained on.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::mnist::PIXELS;

/// How an image in [0, 1] is corrupted; `amount` is σ for Gaussian noise and the fraction of
/// pixels touched otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "amount", rename_all = "kebab-case")]
pub enum Corruption {
    None,
    Gaussian(f32),
    SaltAndPepper(f32),
    Masking(f32),
    /// Each image gets one of the three kinds above, with an amount drawn from [0, max]: the
    /// DAE is trained this way so it copes with whatever the page's controls ask for.
    Mixed(f32),
}

impl Corruption {
    /// Parses the page's control values ("none", "gaussian", "salt-and-pepper", "masking").
    pub fn from_parts(kind: &str, amount: f32) -> Result<Self, String> {
        let amount = amount.clamp(0.0, 1.0);
        match kind {
            "none" => Ok(Self::None),
            "gaussian" => Ok(Self::Gaussian(amount)),
            "salt-and-pepper" => Ok(Self::SaltAndPepper(amount)),
            "masking" => Ok(Self::Masking(amount)),
            other => Err(format!("unknown corruption \"{other}\"")),
        }
    }

    /// Corrupts `pixels` in place, reproducibly for a given `seed`.
    pub fn apply(self, pixels: &mut [f32], seed: u64) {
        let mut rng = SmallRng::seed_from_u64(seed);
        match self {
            Self::None => {}
            Self::Mixed(max) => {
                for image in pixels.chunks_mut(PIXELS) {
                    let amount = max * rng.random::<f32>();
                    let kind = match rng.random_range(0..3) {
                        0 => Self::Gaussian(amount),
                        1 => Self::SaltAndPepper(amount / 2.0),
                        _ => Self::Masking(amount),
                    };
                    kind.apply(image, rng.random());
                }
            }
            Self::Gaussian(sigma) => {
                for p in pixels.iter_mut() {
                    *p = (*p + sigma * standard_normal(&mut rng)).clamp(0.0, 1.0);
                }
            }
            Self::SaltAndPepper(fraction) => {
                for p in pixels.iter_mut() {
                    if rng.random::<f32>() < fraction {
                        *p = if rng.random::<bool>() { 1.0 } else { 0.0 };
                    }
                }
            }
            Self::Masking(fraction) => {
                for p in pixels.iter_mut() {
                    if rng.random::<f32>() < fraction {
                        *p = 0.0;
                    }
                }
            }
        }
    }
}

/// Box–Muller; one normal sample per call is plenty for 784-pixel images.
fn standard_normal(rng: &mut SmallRng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_noise_has_the_asked_spread_and_stays_in_range() {
        let mut pixels = vec![0.5; 20_000];
        Corruption::Gaussian(0.1).apply(&mut pixels, 7);
        let mean = pixels.iter().sum::<f32>() / pixels.len() as f32;
        let var = pixels.iter().map(|p| (p - mean).powi(2)).sum::<f32>() / pixels.len() as f32;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        assert!((var.sqrt() - 0.1).abs() < 0.01, "std {}", var.sqrt());
        assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn masking_and_salt_touch_the_asked_fraction_reproducibly() {
        let mut masked = vec![1.0; 10_000];
        Corruption::Masking(0.3).apply(&mut masked, 1);
        let zeros = masked.iter().filter(|&&p| p == 0.0).count();
        assert!((2_800..3_200).contains(&zeros), "{zeros}");

        let mut salted = vec![0.5; 10_000];
        Corruption::SaltAndPepper(0.2).apply(&mut salted, 1);
        let touched = salted.iter().filter(|&&p| p != 0.5).count();
        assert!((1_800..2_200).contains(&touched), "{touched}");

        let mut again = vec![0.5; 10_000];
        Corruption::SaltAndPepper(0.2).apply(&mut again, 1);
        assert_eq!(salted, again);
    }

    #[test]
    fn parses_page_values() {
        assert_eq!(Corruption::from_parts("masking", 2.0), Ok(Corruption::Masking(1.0)));
        assert!(Corruption::from_parts("blur", 0.1).is_err());
    }
}
