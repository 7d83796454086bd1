//! The "MNST" container of `shared/data/mnist` (see its README): a 16-byte header, the pixels of
//! N 28×28 images, then N labels. Files may arrive gzip'd or already inflated (a static server
//! can send `Content-Encoding: gzip`), so the first bytes decide.

use std::fmt;

use crate::error::FileError;
use crate::message::Message;

use burn::tensor::{Device, Tensor, TensorData};

pub const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;
const HEADER: usize = 16;
const MAGIC: &[u8; 4] = b"MNST";

/// A set of MNIST digits, pixels kept as bytes (0 = background, 255 = full ink).
#[derive(Clone)]
pub struct Mnist {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl fmt::Debug for Mnist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mnist({} images)", self.len())
    }
}

impl Mnist {
    /// Parses an MNST file, gzip'd or raw. `file` names it in any error.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, FileError> {
        let error = |reason: Message| FileError::new(file, reason);
        let inflated = super::inflate(bytes, file)?;
        let raw: &[u8] = &inflated;
        let bytes_read = raw.len() as f64;
        if raw.len() < HEADER {
            return Err(error(Message::new("file.mnist-short").number("bytes", bytes_read, 0)));
        }
        if &raw[0..4] != MAGIC {
            return Err(error(
                Message::new("file.mnist-magic").text("found", format!("{:02x?}", &raw[0..4])),
            ));
        }
        let field = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        let (count, rows, cols) = (field(4), field(8), field(12));
        if rows != SIDE || cols != SIDE {
            return Err(error(Message::new("file.mnist-side").number("rows", rows as f64, 0).number(
                "cols",
                cols as f64,
                0,
            )));
        }
        let expected = count
            .checked_mul(PIXELS + 1)
            .and_then(|n| n.checked_add(HEADER))
            .ok_or_else(|| error(Message::new("file.mnist-count").number("count", count as f64, 0)))?;
        if raw.len() != expected {
            return Err(error(
                Message::new("file.mnist-length")
                    .number("bytes", bytes_read, 0)
                    .number("count", count as f64, 0)
                    .number("expected", expected as f64, 0),
            ));
        }
        let pixels = raw[HEADER..HEADER + count * PIXELS].to_vec();
        let labels = raw[HEADER + count * PIXELS..].to_vec();
        if let Some(at) = labels.iter().position(|&l| l > 9) {
            return Err(error(
                Message::new("file.mnist-label")
                    .text("label", labels[at].to_string())
                    .text("image", at.to_string()),
            ));
        }
        Ok(Self { pixels, labels })
    }

    /// Digits made in memory (benchmarks): `pixels` holds one 784-byte image per label.
    pub fn from_parts(pixels: Vec<u8>, labels: Vec<u8>) -> Self {
        assert_eq!(pixels.len(), labels.len() * PIXELS, "one 28×28 image per label");
        Self { pixels, labels }
    }

    /// Reads and parses a file from disk (native tools and tests).
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, FileError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| FileError::new(&name, e.to_string()))?;
        Self::parse(&bytes, &name)
    }

    /// The first `count` digits (all of them if there are fewer).
    pub fn first(&self, count: usize) -> Self {
        let count = count.min(self.len());
        Self { pixels: self.pixels[..count * PIXELS].to_vec(), labels: self.labels[..count].to_vec() }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    /// One image scaled to [0, 1], row-major.
    pub fn image(&self, index: usize) -> Vec<f32> {
        self.pixels[index * PIXELS..(index + 1) * PIXELS].iter().map(|&p| f32::from(p) / 255.0).collect()
    }

    /// The images at `indices`, concatenated, in [0, 1].
    pub fn batch_values(&self, indices: &[usize]) -> Vec<f32> {
        indices.iter().flat_map(|&i| self.image(i)).collect()
    }

    /// The images at `indices` as a `[batch, 784]` tensor in [0, 1].
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        images_tensor(self.batch_values(indices), device)
    }
}

/// Flat 784-pixel images → a `[batch, 784]` tensor.
pub fn images_tensor(values: Vec<f32>, device: &Device) -> Tensor<2> {
    let batch = values.len() / PIXELS;
    Tensor::from_data(TensorData::new(values, [batch, PIXELS]), device)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A well-formed raw MNST file of `count` images whose pixels are their index.
    pub(crate) fn synthetic(count: usize) -> Vec<u8> {
        let mut bytes = b"MNST".to_vec();
        for v in [count as u32, 28, 28] {
            bytes.extend(v.to_le_bytes());
        }
        for i in 0..count {
            bytes.extend(std::iter::repeat_n(i as u8, PIXELS));
        }
        bytes.extend((0..count).map(|i| (i % 10) as u8));
        bytes
    }

    #[test]
    fn parses_a_good_file_raw_and_gzipped() {
        let raw = synthetic(3);
        let set = Mnist::parse(&raw, "three.bin").unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(set.label(2), 2);
        assert!((set.image(1)[5] - 1.0 / 255.0).abs() < 1e-6);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        let set = Mnist::parse(&gz.finish().unwrap(), "three.bin.gz").unwrap();
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn refuses_a_truncated_file_and_names_it() {
        let raw = synthetic(3);
        let err = Mnist::parse(&raw[..raw.len() - 10], "short.bin").unwrap_err();
        assert_eq!(err.file, "short.bin");
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = Mnist::parse(&raw[..7], "tiny.bin").unwrap_err();
        assert!(err.to_string().starts_with("tiny.bin: "), "{err}");
    }

    #[test]
    fn refuses_bad_magic_bad_labels_and_broken_gzip() {
        let mut raw = synthetic(2);
        raw[0] = b'X';
        assert!(Mnist::parse(&raw, "x.bin").unwrap_err().reason.english().contains("magic"));

        let mut raw = synthetic(2);
        *raw.last_mut().unwrap() = 10;
        assert!(Mnist::parse(&raw, "x.bin").unwrap_err().reason.english().contains("not a digit"));

        let broken = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3];
        assert!(Mnist::parse(&broken, "x.bin.gz").unwrap_err().reason.english().contains("gzip"));
    }
}
