//! Model weights as burnpack bytes (burn's record format), stored in half precision to halve
//! what the page downloads; loading casts them back to the model's f32. Loading never panics on
//! a bad file: the error names the file, and the caller keeps the model it had.

use burn::module::{Module, ModuleMapper, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType, Tensor};

use crate::error::FileError;
use crate::message::Message;

/// Applies the weights in `bytes` (a burnpack record) to `model`. On failure the error names
/// `file`; the shapes must match the model's exactly.
pub fn load<M: Module>(model: M, bytes: &[u8], file: &str) -> Result<M, FileError> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| {
            FileError::new(file, Message::new("file.weights-unreadable").text("detail", e.to_string()))
        })?
        .cast_to_module_dtype();
    model
        .try_load_record(record)
        .map_err(|e| FileError::new(file, Message::new("file.weights-misfit").text("detail", e.to_string())))
}

/// The model's weights as burnpack bytes, in f16: what the project ships.
pub fn to_bytes<M: Module>(model: M) -> Vec<u8> {
    to_bytes_exact(model.map(&mut ToHalf))
}

/// The model's weights as burnpack bytes at their own precision: what the page lets a visitor
/// download, so loading them back gives exactly the model they saved.
pub fn to_bytes_exact<M: Module>(model: M) -> Vec<u8> {
    model.into_record().into_bytes().expect("a module's own record serialises").to_vec()
}

/// Casts every float parameter to f16.
struct ToHalf;

impl ModuleMapper for ToHalf {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| tensor.cast(DType::F16))
    }
}

/// Loads weights from disk (native tools and tests).
pub fn load_file<M: Module>(model: M, path: impl AsRef<std::path::Path>) -> Result<M, FileError> {
    let name = path.as_ref().display().to_string();
    let bytes = std::fs::read(path.as_ref()).map_err(|e| FileError::new(&name, e.to_string()))?;
    load(model, &bytes, &name)
}

/// Writes `model`'s weights as shipped (f16) to `path` and loads them back into `fresh` (a model
/// of the same shape), so a trainer reports the figures of what it ships. Returns the loaded
/// model and the file's size in bytes.
pub fn ship<M: Module>(
    model: M,
    fresh: M,
    path: impl AsRef<std::path::Path>,
) -> Result<(M, usize), FileError> {
    let path = path.as_ref();
    let bytes = to_bytes(model);
    std::fs::write(path, &bytes).map_err(|e| FileError::new(&path.display().to_string(), e.to_string()))?;
    Ok((load_file(fresh, path)?, bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::AutoencoderConfig;
    use burn::tensor::{Device, Tensor};

    /// Rounds every float parameter to f16 and back: what a shipped file can hold.
    struct RoundToHalf;

    impl ModuleMapper for RoundToHalf {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|tensor| tensor.cast(DType::F16).cast(DType::F32))
        }
    }

    #[test]
    fn weights_round_trip_and_bad_files_name_themselves() {
        let device = Device::flex();
        let config = AutoencoderConfig::new(vec![16], 4);
        let trained = config.init(&device);
        let bytes = to_bytes(trained.clone());
        let loaded = load(config.init(&device), &bytes, "ae.bpk").unwrap();
        let x = Tensor::<2>::ones([1, 784], &device);
        let diff: f32 = (trained.forward(x.clone()) - loaded.forward(x.clone())).abs().max().into_scalar();
        assert!(diff < 1e-2, "f16 weights change outputs by {diff}");
        // Stored in half precision: the loaded weights are the trained ones rounded to f16 (so
        // the outputs match those of a model rounded here, exactly, and differ from the
        // original's), and each parameter takes 2 bytes where the full-precision file spends 4,
        // give or take the padding that aligns each of the 8 tensors to 256 bytes (measured:
        // 51,744 bytes fewer for 26,036 parameters).
        let rounded = trained.clone().map(&mut RoundToHalf);
        let gap: f32 = (rounded.forward(x.clone()) - loaded.forward(x.clone())).abs().max().into_scalar();
        assert_eq!(gap, 0.0, "the loaded weights are not the trained ones rounded to f16");
        assert!(diff > 0.0, "rounding to f16 changed no output");
        let exact_len = to_bytes_exact(trained.clone()).len();
        let saved = exact_len as f64 - bytes.len() as f64;
        assert!(
            (saved - 2.0 * trained.num_params() as f64).abs() < 8.0 * 256.0,
            "f16 file {} bytes, f32 {exact_len}, {} parameters",
            bytes.len(),
            trained.num_params()
        );

        let err = load(config.init(&device), &bytes[..bytes.len() / 2], "cut.bpk").unwrap_err();
        assert_eq!(err.file, "cut.bpk");
        let err = load(config.init(&device), b"garbage", "junk.bpk").unwrap_err();
        assert!(err.to_string().starts_with("junk.bpk: "), "{err}");
        let exact = load(config.init(&device), &to_bytes_exact(trained.clone()), "exact.bpk").unwrap();
        let diff: f32 = (trained.forward(x.clone()) - exact.forward(x)).abs().max().into_scalar();
        assert_eq!(diff, 0.0, "full-precision weights round-trip exactly");
        let other = AutoencoderConfig::new(vec![8], 4).init(&device);
        let err = load(other, &bytes, "ae.bpk").unwrap_err();
        assert_eq!(err.reason.key, "file.weights-misfit");
        assert!(err.to_string().starts_with("ae.bpk: weights do not fit the model ("), "{err}");
    }
}
