//! The JavaScript face of the crate (wasm only): one `Runtime` that owns the burn device, and one
//! session type per demo. Methods that read tensors back return Promises (readback is async on
//! WebGPU); everything a session needs is cloned out of it first, so no borrow outlives a call.
//!
//! Errors a visitor can meet (a damaged or wrong file, a sentence with no word, a lost device)
//! are [`Message`]s: the thrown `Error` carries the key and its arguments in `said`, which
//! www/worker.js passes on and the page words in its language (www/i18n/i18n.js: `say`). The
//! rest (an unknown model name, calls out of order, a setting out of range) only a bug of the
//! page can cause: they stay plain English `JsError`s, for its developer.

mod ae_lab;
mod autoencoder;
mod bench;
mod compare;
mod contractive;
mod conv_ae;
mod gan;
mod gan1d;
mod pixelrnn;
mod pretraining;
mod text;
mod vae;

pub use bench::{benchmark, fingerprint, measure_speed};

pub use ae_lab::AeLabSession;
pub use autoencoder::AutoencoderSession;
pub use compare::CompareSession;
pub use contractive::ContractiveSession;
pub use conv_ae::ConvAeSession;
pub use gan::GanSession;
pub use gan1d::Gan1dSession;
pub use pixelrnn::PixelRnnSession;
pub use pretraining::PretrainingSession;
pub use text::TextSession;
pub use vae::VaeSession;

/// `initThreadPool(n)` for JS: starts n Web Workers that run flex's rayon work (threaded build).
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::{Device, Tensor};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::backend::{choose, pick_faster, AdapterFacts, Backend, Choice, Plan, Requested};
use crate::message::Message;

static DEVICE_LOST: AtomicBool = AtomicBool::new(false);

#[wasm_bindgen(start)]
fn start() {
    run_static_constructors();
    console_error_panic_hook::set_once();
}

/// Runs the module's static constructors, once. The WebGPU stack registers thousands of them
/// (`inventory`); when no object file calls `__wasm_call_ctors`, wasm-ld wraps every export in a
/// call to it, so every call into the module (wasm-bindgen's own helpers included) re-ran all of
/// them: measured ≈ 2 ms per drawn digit. `start` calls this; a host that skips the start
/// function (the browser test harness) calls it before using WebGPU. The threaded build has none.
pub fn run_static_constructors() {
    #[cfg(not(target_feature = "atomics"))]
    {
        extern "C" {
            fn __wasm_call_ctors();
        }
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: the linker's constructor list, run once before anything relies on it.
        ONCE.call_once(|| unsafe { __wasm_call_ctors() });
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    backend: Backend,
    /// "flex" for the CPU backend, the adapter's name for WebGPU.
    detail: String,
    note: Option<Message>,
}

/// The burn device every session of this page shares.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Runtime {
    device: Device,
    info: RuntimeInfo,
    /// The WebGPU device under burn's, kept to watch for (and, in tests, cause) its loss.
    gpu: Option<GpuDevice>,
}

#[cfg(all(feature = "webgpu", not(target_feature = "atomics")))]
type GpuDevice = burn::tensor::wgpu::wgpu::Device;

/// The CPU-only builds have no WebGPU: the threaded one (atomics on) because wgpu's browser
/// objects are not `Send` there, so burn's wgpu backend does not build; `pkg-cpu/` (feature
/// `webgpu` off) to be a third of the size. The page loads them only for a run on the CPU (see
/// [`plan`]).
#[cfg(not(all(feature = "webgpu", not(target_feature = "atomics"))))]
#[derive(Clone)]
enum GpuDevice {}

#[cfg(not(all(feature = "webgpu", not(target_feature = "atomics"))))]
impl GpuDevice {
    fn destroy(&self) {
        match *self {}
    }
}

/// What `Runtime::create` would do for these arguments: `"cpu"`, `"webgpu"`, or `"measure"`
/// (time a hardware adapter against the CPU). The page asks a CPU-only build first, and loads the
/// WebGPU build only when WebGPU will be tried.
#[wasm_bindgen]
pub fn plan(requested: String, adapter: JsValue) -> Result<String, JsError> {
    Ok(match choose(Requested::parse(&requested), adapter_facts(adapter)?.as_ref()) {
        Plan::Run(Choice { backend: Backend::Cpu, .. }) => "cpu",
        Plan::Run(_) => "webgpu",
        Plan::Measure => "measure",
    }
    .into())
}

fn adapter_facts(adapter: JsValue) -> Result<Option<AdapterFacts>, JsError> {
    if adapter.is_null() || adapter.is_undefined() {
        Ok(None)
    } else {
        Ok(Some(serde_wasm_bindgen::from_value(adapter)?))
    }
}

#[wasm_bindgen]
impl Runtime {
    /// `requested` is `auto`, `webgpu` or `cpu`; `adapter` is `GPUAdapter.info` (plus
    /// `isFallbackAdapter`) or null when the browser has no WebGPU.
    pub async fn create(requested: String, adapter: JsValue) -> Result<Runtime, JsError> {
        run_static_constructors();
        let facts = adapter_facts(adapter)?;
        // The deprecated ndarray backend exists only in benchmark builds, to compare CPU backends.
        #[cfg(feature = "bench-ndarray")]
        if requested == "cpu-ndarray" {
            return Ok(Runtime {
                device: Device::ndarray(),
                info: RuntimeInfo { backend: Backend::Cpu, detail: "ndarray".into(), note: None },
                gpu: None,
            });
        }
        let choice = match choose(Requested::parse(&requested), facts.as_ref()) {
            Plan::Run(Choice { backend: Backend::Cpu, note }) => return Ok(Self::cpu(note)),
            Plan::Run(choice) => Some(choice),
            Plan::Measure => None,
        };
        let gpu = match Self::webgpu(facts.as_ref()).await {
            Ok(gpu) => gpu,
            Err(error) => {
                return Ok(Self::cpu(Some(
                    Message::new("backend.webgpu-failed").text("error", error.to_string()),
                )))
            }
        };
        let choice = match choice {
            Some(choice) => choice,
            None => {
                let cpu = measure_speed(&Device::flex()).await?;
                let webgpu = measure_speed(&gpu.device).await?;
                pick_faster(cpu, webgpu, &gpu.info.detail)
            }
        };
        Ok(match choice.backend {
            Backend::Webgpu => Runtime { info: RuntimeInfo { note: choice.note, ..gpu.info }, ..gpu },
            Backend::Cpu => Self::cpu(choice.note),
        })
    }

    /// `{backend, detail, note}` for the badge.
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.info)
    }

    /// Destroys the WebGPU device, as a driver reset would: lets page tests check that the
    /// page recovers. Does nothing on the CPU backend.
    pub fn lose_device(&self) {
        if let Some(gpu) = &self.gpu {
            gpu.destroy();
        }
    }
}

impl Runtime {
    #[cfg(not(all(feature = "webgpu", not(target_feature = "atomics"))))]
    async fn webgpu(_facts: Option<&AdapterFacts>) -> Result<Self, String> {
        Err("this is a CPU-only build".into())
    }

    #[cfg(all(feature = "webgpu", not(target_feature = "atomics")))]
    async fn webgpu(facts: Option<&AdapterFacts>) -> Result<Self, burn::tensor::wgpu::WgpuInitError> {
        let (device, setup) = Device::wgpu_options().init_with_setup_async().await?;
        setup.device.set_device_lost_callback(|_, _| DEVICE_LOST.store(true, Ordering::SeqCst));
        let info = setup.adapter.get_info();
        // Browsers may hide the adapter's name; wgpu's may be empty too.
        let detail = [facts.map(AdapterFacts::name), Some(info.name)]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty() && n != crate::backend::UNNAMED_ADAPTER)
            .unwrap_or_else(|| crate::backend::UNNAMED_ADAPTER.into());
        Ok(Runtime {
            device,
            info: RuntimeInfo { backend: Backend::Webgpu, detail, note: None },
            gpu: Some(setup.device),
        })
    }

    fn cpu(note: Option<Message>) -> Self {
        Runtime {
            device: Device::flex(),
            gpu: None,
            info: RuntimeInfo { backend: Backend::Cpu, detail: "flex".into(), note },
        }
    }
}

/// Fails once the WebGPU device is gone, so the page can restart the worker instead of waiting on
/// work that will never finish.
fn check_device() -> Result<(), JsError> {
    if DEVICE_LOST.load(Ordering::SeqCst) {
        Err(said(Message::new("error.device-lost")))
    } else {
        Ok(())
    }
}

/// An error the page words in its own language: a JS `Error` whose `said` is `message` as
/// `{key, args}`. Its own text is only the key: the English wording lives in www/i18n/en.js,
/// which the wasm does not carry.
fn said(message: Message) -> JsError {
    said_with_text(message.key, &message)
}

fn said_with_text(text: &str, message: &Message) -> JsError {
    let error = JsError::new(text);
    // A `JsError` is a handle on the JS object: the property set through the clone is the original's.
    if let Ok(value) = to_js(message) {
        let _ = js_sys::Reflect::set(&JsValue::from(error.clone()), &"said".into(), &value);
    }
    error
}

/// A file's error as the page shows it: `{file}: {reason}` in the page's language.
impl From<crate::error::FileError> for JsError {
    fn from(error: crate::error::FileError) -> Self {
        // The text names the file too (logs, and browser tests that look for the name).
        said_with_text(&format!("{}: {}", error.file, error.reason.key), &error.message())
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    // Byte buffers cross as Uint8Array, ready for ImageData without copying element by element.
    Ok(value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false))?)
}

/// Reads a tensor back (async: required on WebGPU) as f32 values.
async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, JsError> {
    let data =
        tensor.into_data_async().await.map_err(|e| JsError::new(&format!("readback failed: {e:?}")))?;
    data.try_to_vec::<f32>().map_err(|e| JsError::new(&format!("readback gave {e:?}")))
}

/// Runs a chunk of model work. In the threaded build it runs on a thread of the rayon pool, while
/// the worker's own thread waits: flex then splits each tensor operation among the pool's threads
/// from inside the pool, instead of handing every operation over from outside it and waiting for
/// it (the AE page's training on two threads: 50.2 steps/s handed over op by op, 96.6–112.2 run
/// on the pool; one thread 68.3–78.3; docs/figures.md, "Threads that pay"). `work` must not touch
/// JS objects, which belong to the worker's thread: tensors and Rust data only.
#[cfg(feature = "threads")]
fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// The single-threaded builds run the work where they are.
#[cfg(not(feature = "threads"))]
fn on_pool<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// A batch through `forward` in parts side by side (`crate::parallel`), joined; whole where
/// there is one thread. The deep AE's batch-256 forward on two threads: 2,742–2,874 images/s with
/// both threads on each product, 6,095–6,717 in parts (docs/figures.md, "Threads that pay").
fn in_parts<const D: usize>(input: Tensor<2>, forward: impl Fn(Tensor<2>) -> Tensor<D> + Sync) -> Tensor<D> {
    let parts = crate::parallel::parts().min(input.dims()[0]);
    if parts < 2 {
        return forward(input);
    }
    Tensor::cat(crate::parallel::side_by_side(input.chunk(parts, 0), forward), 0)
}

/// Milliseconds from `performance.now()`, in a window or a worker.
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .expect("performance exists in windows and workers");
    performance.unchecked_into::<web_sys::Performance>().now()
}

/// The MNIST splits a session has been given (the page fetches each when it needs it).
#[derive(Default)]
struct Digits {
    train: Option<std::rc::Rc<crate::data::mnist::Mnist>>,
    test: Option<std::rc::Rc<crate::data::mnist::Mnist>>,
}

impl Digits {
    /// `split` is "train" or "test"; returns the number of digits. A bad file names itself.
    fn load(&mut self, split: &str, bytes: &[u8], file: &str) -> Result<usize, JsError> {
        let data = std::rc::Rc::new(crate::data::mnist::Mnist::parse(bytes, file)?);
        let count = data.len();
        // The sessions draw random digits and take indices modulo the count: an empty set would
        // trap there, so it is refused here, by name.
        if count == 0 {
            return Err(crate::error::FileError::new(file, Message::new("file.no-digits")).into());
        }
        match split {
            "train" => self.train = Some(data),
            "test" => self.test = Some(data),
            other => return Err(JsError::new(&format!("unknown split \"{other}\""))),
        }
        Ok(count)
    }

    /// The test digits, or an error saying they are not loaded yet.
    fn test(&self) -> Result<std::rc::Rc<crate::data::mnist::Mnist>, JsError> {
        self.test.clone().ok_or_else(|| JsError::new("the test digits are not loaded yet"))
    }

    /// The training digits, or an error saying they are not loaded yet.
    fn train(&self) -> Result<std::rc::Rc<crate::data::mnist::Mnist>, JsError> {
        self.train.clone().ok_or_else(|| JsError::new("the training digits are not loaded yet"))
    }

    /// Test digit `index`: its pixels in [0, 1] and its label, or an error that says how many
    /// there are.
    fn test_digit(&self, index: usize) -> Result<(Vec<f32>, u8), JsError> {
        let test = self.test()?;
        if index >= test.len() {
            // (not `index + 1`: the index may be 2³² − 1, and that sum wraps in wasm)
            return Err(JsError::new(&format!(
                "there are {} test digits; {index} is not an index of one",
                test.len()
            )));
        }
        Ok((test.image(index), test.label(index)))
    }

    /// A random digit of the test set, for the page: `{pixels (28×28 RGBA), label, index}`.
    fn random_test_digit(&self, rng: &mut rand::rngs::SmallRng) -> Result<JsValue, JsError> {
        use rand::Rng;
        #[derive(Serialize)]
        struct Digit {
            pixels: serde_bytes::ByteBuf,
            label: u8,
            index: usize,
        }
        let test = self.test()?;
        let index = rng.random_range(0..test.len());
        to_js(&Digit {
            pixels: serde_bytes::ByteBuf::from(to_rgba(&test.image(index))),
            label: test.label(index),
            index,
        })
    }
}

/// A drawing from the page (RGBA, white ink on black) as a 28×28 MNIST-style input, or an error
/// when its bytes do not make a width×height image (`draw::rgba_to_mnist`, fuzzed natively).
fn drawing_to_mnist(rgba: &[u8], width: usize, height: usize) -> Result<Vec<f32>, JsError> {
    crate::data::draw::rgba_to_mnist(rgba, width, height).map_err(|e| JsError::new(&e))
}

/// A setting from the page within its bounds, or an error that says them.
fn in_range(name: &str, value: f64, low: f64, high: f64) -> Result<(), JsError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(JsError::new(&format!("{name} must be between {low} and {high}, not {value}")))
    }
}

/// Grey levels in [0, 1] → RGBA bytes (white ink on black, as MNIST).
fn to_rgba(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| {
            let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            [g, g, g, 255]
        })
        .collect()
}

/// `rows·cols` 28×28 images, one after another → one RGBA image of `rows` rows of `cols` digits,
/// without gaps (the page scales it up whole).
fn grid_rgba(images: &[f32], rows: usize, cols: usize) -> Vec<u8> {
    use crate::data::mnist::{PIXELS, SIDE};
    assert_eq!(images.len(), rows * cols * PIXELS, "{rows}×{cols} images of 28×28");
    let mut grid = vec![0.0; images.len()];
    for (index, image) in images.chunks_exact(PIXELS).enumerate() {
        let (row, col) = (index / cols, index % cols);
        for (y, line) in image.chunks_exact(SIDE).enumerate() {
            let start = (row * SIDE + y) * cols * SIDE + col * SIDE;
            grid[start..start + SIDE].copy_from_slice(line);
        }
    }
    to_rgba(&grid)
}
