// The model worker: loads the wasm, owns the burn runtime and the demo sessions, and answers
// {id, method, args} with {id, result} or {id, error}. Unasked messages carry {event, ...}.
// Two builds of the same crate: pkg-threads/ runs burn's CPU kernels on a rayon pool of Web
// Workers, which needs SharedArrayBuffer and so a cross-origin-isolated page (the serve command
// sends COOP/COEP headers); pkg/ is single-threaded and runs anywhere.
let lab = null;

// Paths relative to this file; errors name them as the server does.
const asset = (path) => new URL(path, import.meta.url).pathname;
const assets = {
  weights: { ae: asset('weights/ae.bpk'), dae: asset('weights/dae.bpk') },
  data: { test: asset('data/mnist_test.bin.gz'), train: asset('data/mnist_train_10k.bin.gz') },
};

let runtime = null;
let autoencoder = null;
let training = null; // { running: bool }
let poisoned = false;

const post = (message, transfer = []) => self.postMessage(message, transfer);
const progress = (text, fraction = null) => post({ event: 'progress', text, fraction });
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const seed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// Fetches an asset with download progress; the error names the file.
async function fetchBytes(url, label) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    progress(`loading ${label}`, total ? received / total : null);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
  return bytes;
}

async function adapterFacts() {
  if (!self.navigator.gpu) return null;
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    return {
      vendor: info.vendor ?? '', architecture: info.architecture ?? '',
      device: info.device ?? '', description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    };
  } catch {
    return null;
  }
}

// pkg-threads/ (the CPU backend only, on a rayon pool of Web Workers) for a run on the CPU when
// the page is cross-origin isolated; pkg/ (WebGPU, and the CPU on one thread) otherwise. The
// Rust side says which backend a request comes to (`plan`). A threaded build that fails to start
// falls back to pkg/, with a note.
async function loadWasm(backend, adapter) {
  const load = async (dir) => {
    lab = await import(`../${dir}/latent_lab.js`);
    await lab.default({ module_or_path: new URL(`../${dir}/latent_lab_bg.wasm`, import.meta.url) });
  };
  let note = 'This page is not cross-origin isolated (its server sends no COOP/COEP headers): '
    + 'the CPU backend runs on one thread.';
  if (self.crossOriginIsolated) {
    note = null;
    try {
      await load('pkg-threads');
      if (lab.plan(backend, adapter) === 'cpu') {
        const threads = navigator.hardwareConcurrency || 1;
        await lab.initThreadPool(threads);
        return { threads, note };
      }
    } catch (error) {
      note = `The multi-threaded build could not start (${error.message ?? error}): the CPU backend runs on one thread.`;
    }
  }
  await load('pkg');
  return { threads: 1, note };
}

// Loads what the demo needs; a bad asset is reported (naming the file) and the rest goes on.
async function loadAutoencoder() {
  const problems = [];
  autoencoder = new lab.AutoencoderSession(runtime, seed());
  for (const [model, url] of Object.entries(assets.weights)) {
    try {
      autoencoder.load_weights(model, await fetchBytes(url, `${model.toUpperCase()} weights`), url);
    } catch (error) {
      problems.push(`${String(error.message ?? error)} — the ${model.toUpperCase()} starts untrained.`);
    }
  }
  try {
    autoencoder.load_data('test', await fetchBytes(assets.data.test, 'MNIST test digits'), assets.data.test);
  } catch (error) {
    problems.push(String(error.message ?? error));
  }
  return problems;
}

// The training digits are fetched the first time someone trains, not on page load.
let trainingDataLoaded = false;
async function ensureTrainingData() {
  if (trainingDataLoaded) return;
  autoencoder.load_data('train', await fetchBytes(assets.data.train, 'MNIST training digits'), assets.data.train);
  trainingDataLoaded = true;
}

async function trainLoop(state) {
  while (state.running) {
    const report = await autoencoder.train_chunk();
    if (!state.running) break;
    post({ event: 'train', ...report });
    await nextTask(); // let pause and drawing requests in between chunks
  }
}

// A failed chunk ends the run; the page goes back to "Train" and shows why.
function runTraining(state) {
  trainLoop(state).catch((error) => {
    state.running = false;
    post({ event: 'train-stopped', error: report(error) });
  });
}

const methods = {
  async init({ backend }) {
    progress('loading the WebAssembly module');
    const adapter = await adapterFacts();
    const { threads, note: threadsNote } = await loadWasm(backend, adapter);
    progress('choosing the backend (a hardware GPU is timed against the CPU)');
    runtime = await lab.Runtime.create(backend, adapter);
    const problems = await loadAutoencoder();
    progress('warming up (first run compiles kernels)');
    return { info: { ...runtime.info(), threads, threadsNote }, problems };
  },
  runDrawing({ rgba, width, height, noise, amount, noiseSeed }) {
    return autoencoder.run_drawing(rgba, width, height, noise, amount, noiseSeed);
  },
  runImage({ rgba, noise, amount, noiseSeed }) {
    return autoencoder.run_image(rgba, noise, amount, noiseSeed);
  },
  randomDigit() {
    return autoencoder.random_test_digit();
  },
  async trainStart({ model, fromScratch }) {
    if (training) training.running = false;
    await ensureTrainingData();
    autoencoder.train_start(model, fromScratch, seed());
    training = { running: true };
    runTraining(training);
  },
  trainPause() {
    if (training) training.running = false;
  },
  trainResume() {
    if (training && !training.running) {
      training = { running: true };
      runTraining(training);
    }
  },
  // Page tests: a WebGPU device loss, as a driver reset would cause.
  loseDevice() {
    runtime.lose_device();
  },
  bench({ workload, runs, warmup }) {
    return lab.benchmark(runtime, workload, runs, warmup);
  },
};

// The message of an error, which the caller shows. A trap inside wasm or a lost device leaves
// the instance unusable: then the page is also told to restart the worker.
function report(error) {
  const message = String(error?.message ?? error);
  if (error instanceof WebAssembly.RuntimeError || /device lost/i.test(message)) {
    poisoned = true;
    post({ event: 'fatal', error: message });
  }
  return message;
}

self.onmessage = async ({ data: { id, method, args } }) => {
  if (poisoned) return post({ id, error: 'the model worker stopped; restarting' });
  try {
    const result = await methods[method](args ?? {});
    post({ id, result });
  } catch (error) {
    post({ id, error: report(error) });
  }
};
