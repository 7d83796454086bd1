// The model worker: loads the wasm, owns the burn runtime and the sessions of the page's demo,
// and answers {id, method, args} with {id, result} or {id, error}. Unasked messages carry
// {event, ...}: progress, and the reports of a session's running loop.
// Three builds of the same crate (scripts/lab build), so that a visitor loads only what runs:
//   pkg-cpu/      the CPU backend on one thread, no WebGPU stack (a quarter of pkg/'s size);
//   pkg-threads/  the CPU backend on a rayon pool of Web Workers, which needs SharedArrayBuffer
//                 and so a cross-origin-isolated page (the serve command sends COOP/COEP headers);
//   pkg/          WebGPU and the CPU backend, one thread: fetched only when WebGPU will be tried.
let lab = null;
let wasm = null; // the instance's exports (its memory, for the soak's samples)
let runtime = null;
const sessions = {}; // by the names the demo gives them
const loops = {}; // by session name: { running }
let poisoned = false;

const post = (message, transfer = []) => self.postMessage(message, transfer);
const progress = (text, fraction = null) => post({ event: 'progress', text, fraction });
// What the page is told is a key with arguments ({key, args}, www/i18n/i18n.js: say), so it
// reads in the page's language; an error whose words are the page's carries one in `said`.
const message = (key, args = {}) => ({ key, args });
const said = (key, args) => Object.assign(new Error(key), { said: message(key, args) });
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const seed = () => crypto.getRandomValues(new Uint32Array(1))[0];
// Asset paths are relative to www/; errors name them as the server does.
const assetUrl = (path) => new URL(path, import.meta.url).pathname;

// The build's {sha256, bytes, wire} of every asset, by its path under www/
// (scripts/asset-manifest.mjs); null when it could not be read or this context cannot hash
// (WebCrypto needs a secure context).
let manifest = null;

// Loads the manifest; returns a note when assets go unchecked.
async function loadManifest() {
  const url = assetUrl('asset-manifest.json');
  if (!self.crypto?.subtle) return message('worker.not-secure');
  try {
    const response = await fetch(url);
    if (!response.ok) throw said('worker.http', { status: response.status });
    manifest = await response.json();
    return null;
  } catch (error) {
    return message('worker.unchecked', { url, error: error.said ?? String(error.message ?? error) });
  }
}

// The bytes of the asset at `path`, once their SHA-256 matches the manifest's; the error names
// the file.
async function checked(bytes, path, url) {
  if (!manifest) return bytes;
  const expected = manifest[path]?.sha256;
  if (!expected) throw said('worker.not-in-manifest', { url });
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const actual = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (actual !== expected) {
    throw said('worker.hash-mismatch', { url });
  }
  return bytes;
}

// Fetches an asset with download progress; the error names the file. `onChunk(received, total)`
// replaces the progress event (the start-up reports all of its downloads as one).
async function fetchBytes(url, label, onChunk = null) {
  const response = await fetch(url);
  if (!response.ok) throw said('worker.file-http', { url, status: response.status });
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (onChunk) onChunk(received, total);
    else progress(message('worker.loading', { what: label }), total ? received / total : null);
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

// Which backend runs is decided in Rust (`plan`), and every build can answer; so a CPU-only build
// is loaded first: pkg-threads/ when the demo gains from threads and the page is cross-origin
// isolated, pkg-cpu/ otherwise. Only when the plan is WebGPU or a timing of a hardware adapter
// against the CPU does pkg/ follow. A visitor who asks for WebGPU by name (?backend=webgpu) gets
// pkg/ at once: the plan gives WebGPU wherever there is an adapter, and pkg/ runs the CPU
// backend too where there is none. A threaded build that fails to start falls back to one
// thread, with a note.
async function loadWasm(backend, adapter, wantsThreads) {
  const load = async (dir) => {
    lab = await import(`../${dir}/latent_lab.js`);
    wasm = await lab.default({ module_or_path: new URL(`../${dir}/latent_lab_bg.wasm`, import.meta.url) });
  };
  const withWebgpu = async (note) => {
    await load('pkg');
    return { threads: 1, note };
  };
  if (backend === 'webgpu') return withWebgpu(null);
  let note = message('worker.not-isolated');
  if (!wantsThreads) note = null;
  // WebKitGTK (2.50) has no SharedArrayBuffer even on an isolated page: skip the threaded download.
  else if (self.crossOriginIsolated && typeof SharedArrayBuffer === 'undefined') {
    note = message('worker.no-shared-memory');
  } else if (self.crossOriginIsolated) {
    note = null;
    try {
      await load('pkg-threads');
      if (lab.plan(backend, adapter) !== 'cpu') return withWebgpu(note);
      const threads = navigator.hardwareConcurrency || 1;
      await lab.initThreadPool(threads);
      return { threads, note };
    } catch (error) {
      note = message('worker.no-threads', { error: String(error.message ?? error) });
    }
  }
  await load('pkg-cpu');
  if (lab.plan(backend, adapter) !== 'cpu') return withWebgpu(note);
  return { threads: 1, note };
}

// The page's requests reach the wasm API's methods, whose glue does not check its arguments
// (a wrong type or an absurd size can end in a trap, which kills the worker). So every request
// is checked here first: a method of one of the demo's sessions (not `free` or the glue's own),
// called with an array of plain values. Bad requests get an error; the worker lives on. Their
// errors stay English (not keys of the page's tables): only a bug of the page can send one.
const MAX_ELEMENTS = 1 << 26; // 64 Mi elements: above every asset, below what wasm can allocate

// What each parameter of a glue function must be, read once from the glue's own source: a string
// (passStringToWasm0), bytes (passArray8ToWasm0), numbers in an array (other passArray…), or
// anything (numbers and booleans are converted; `any` goes through serde). Optional ones
// (isLikeNone) may also be null or undefined.
const signatures = new Map();
function signature(fn) {
  if (!signatures.has(fn)) {
    const source = String(fn);
    const params = source.slice(source.indexOf('(') + 1, source.indexOf(')')).split(',').map((p) => p.trim()).filter(Boolean);
    signatures.set(fn, params.map((name) => {
      const passed = (helper) => new RegExp(`${helper}\\(${name}\\b`).test(source);
      const kind = passed('passStringToWasm0') ? 'string' : passed('passArray8ToWasm0') ? 'bytes'
        : passed('passArray(?:F32|F64|32|64|JsValue)ToWasm0') ? 'array' : 'any';
      return { name, kind, optional: new RegExp(`isLikeNone\\(${name}\\)`).test(source) };
    }));
  }
  return signatures.get(fn);
}

function checkArg(arg, { name, kind, optional }, method) {
  if (optional && (arg === null || arg === undefined)) return;
  const fail = (what) => { throw new Error(`${method}: ${name} must be ${what}`); };
  if (kind === 'string' && typeof arg !== 'string') fail('a string');
  if (kind === 'bytes' && !(arg instanceof Uint8Array || arg instanceof Uint8ClampedArray || Array.isArray(arg))) fail('bytes');
  if (kind === 'array' && !(ArrayBuffer.isView(arg) || Array.isArray(arg))) fail('an array of numbers');
  // The glue allocates a string's or an array's length in wasm memory.
  if (kind !== 'any' && !(arg.length <= MAX_ELEMENTS)) fail(`at most ${MAX_ELEMENTS} long`);
}

// The method `method` of the demo's session `session` as a function of an array of arguments,
// each checked against what the glue passes it as.
function sessionMethod(session, method) {
  if (typeof session !== 'string' || !Object.hasOwn(sessions, session)) {
    throw new Error(`no session "${String(session)}" in this demo`);
  }
  const target = sessions[session];
  const proto = Object.getPrototypeOf(target);
  if (typeof method !== 'string' || method === 'constructor' || method === 'free' || method.startsWith('__')
    || !Object.hasOwn(proto, method) || typeof proto[method] !== 'function') {
    throw new Error(`${proto.constructor.name} has no method "${String(method)}"`);
  }
  const params = signature(proto[method]);
  return (args) => {
    if (!Array.isArray(args)) throw new Error(`${method}: the arguments must be an array`);
    params.forEach((param, i) => checkArg(args[i], param, method));
    return target[method](...args.slice(0, params.length));
  };
}

// The manifest's loading (started with the worker's start-up, beside the wasm): assets wait for it
// before their check.
let manifestLoaded = null;

// The checked bytes of the asset at `path`.
async function download(path, label, onChunk) {
  const url = assetUrl(path);
  const bytes = await fetchBytes(url, label, onChunk);
  await manifestLoaded;
  return checked(bytes, path, url);
}

// Fetches {path, label} and hands the bytes to `sessions[session][method](...args, bytes, url)`.
// `bytesOf(path, label)`: where the bytes come from (the start-up's downloads, begun early).
async function loadAsset({ session, method, args = [], path, label }, bytesOf = download) {
  const run = sessionMethod(session, method);
  if (!Array.isArray(args)) throw new Error(`${method}: the arguments must be an array`);
  if (typeof path !== 'string') throw new Error('an asset needs a path');
  return run([...args, await bytesOf(path, label), assetUrl(path)]);
}

// The start-up's downloads: every asset of the demo, begun at once so that they arrive while the
// wasm downloads and compiles, each file once however many sessions load it; one progress line
// for all of them. Returns `bytesOf` for loadAsset.
function downloadAll(assets) {
  const files = new Map();
  const sizes = new Map(); // path → [received, total]
  const report = () => {
    let received = 0;
    let total = 0;
    for (const [r, t] of sizes.values()) { received += r; total += t; }
    progress(message('worker.loading-files', { files: files.size }), total ? received / total : null);
  };
  const bytesOf = (path, label) => {
    if (!files.has(path)) {
      files.set(path, download(path, label, (received, total) => { sizes.set(path, [received, total]); report(); }));
    }
    return files.get(path);
  };
  for (const { path, label } of assets) {
    if (typeof path === 'string') bytesOf(path, label).catch(() => {}); // its loadAsset reports the failure
  }
  return bytesOf;
}

// Calls a session's method again and again, posting each result, until stopped or a result says
// `done`. A failed call ends the loop and says why.
async function runLoop(session, method, args, state) {
  try {
    const run = sessionMethod(session, method);
    while (state.running) {
      const result = await run(args);
      if (!state.running) break;
      post({ event: 'loop', session, result });
      // A run that says it is done ends its loop here: the page's stop arrives a task later, and
      // another call meanwhile would ask a finished run for more.
      if (result?.done === true) {
        state.running = false;
        break;
      }
      await nextTask(); // let pauses and other requests in between
    }
  } catch (error) {
    state.running = false;
    post({ event: 'loop-stopped', session, error: report(error) });
  }
}

const methods = {
  // demo: {sessions: {name: wasm type}, assets: [{session, method, args, path, label, problem}],
  // threads: whether a run on the CPU should take the threaded build}.
  async init({ backend, demo } = {}) {
    if (runtime) throw new Error('the worker has started already');
    if (typeof demo?.sessions !== 'object' || !Array.isArray(demo.assets)) throw new Error('init needs a demo');
    progress(message('worker.loading-wasm'));
    manifestLoaded = loadManifest();
    const bytesOf = downloadAll(demo.assets.filter((asset) => asset && typeof asset === 'object'));
    const adapter = await adapterFacts();
    const { threads, note: threadsNote } = await loadWasm(backend, adapter, demo.threads);
    progress(message('worker.choosing-backend'));
    runtime = await lab.Runtime.create(backend, adapter);
    for (const [name, type] of Object.entries(demo.sessions)) sessions[name] = new lab[type](runtime, seed());
    // A bad asset is reported (naming the file) and the rest goes on.
    const problems = [];
    const unchecked = await manifestLoaded;
    if (unchecked) problems.push(unchecked);
    for (const asset of demo.assets) {
      try {
        await loadAsset(asset, bytesOf);
      } catch (error) {
        const failed = error.said ?? String(error.message ?? error);
        problems.push(asset.problem ? message('worker.asset-problem', { error: failed, consequence: asset.problem }) : failed);
      }
    }
    progress(message('worker.warming-up'));
    return { info: { ...runtime.info(), threads, threadsNote }, problems };
  },
  // An asset fetched when first needed (e.g. training digits).
  load(asset) {
    return loadAsset(asset);
  },
  // A text asset the page shows as it is (a JSON table), checked against the manifest like
  // every other: {path, label} → its text.
  async text({ path, label }) {
    if (typeof path !== 'string') throw new Error('an asset needs a path');
    return new TextDecoder().decode(await download(path, label));
  },
  call({ session, method, args = [] }) {
    return sessionMethod(session, method)(args);
  },
  loopStart({ session, method, args = [] }) {
    sessionMethod(session, method);
    if (!Array.isArray(args)) throw new Error(`${method}: the arguments must be an array`);
    if (loops[session]?.running) return;
    loops[session] = { running: true };
    runLoop(session, method, args, loops[session]);
  },
  loopStop({ session }) {
    if (Object.hasOwn(loops, String(session))) loops[session].running = false;
  },
  // Page tests: a WebGPU device loss, as a driver reset would cause.
  loseDevice() {
    runtime.lose_device();
  },
  // The URLs this worker fetched (its wasm build, weights, data), for the offline copy of what
  // the visit used (www/ui/offline.js).
  used() {
    return performance.getEntriesByType('resource').map((entry) => entry.name);
  },
  // The wasm instance's linear memory in bytes (it only grows): sampled by tests/soak.mjs.
  memory() {
    return { wasmBytes: wasm?.memory?.buffer.byteLength ?? null };
  },
  bench({ workload, runs, warmup }) {
    return lab.benchmark(runtime, workload, runs, warmup);
  },
};

// The message of an error, which the caller shows: a key with arguments where the error is
// ours, whether made here or in Rust (src/web: the wasm's errors a visitor can meet carry
// `said`, e.g. a damaged file's {key: 'file.error', args: {file, reason}}); the page words it in
// its language (www/i18n/i18n.js: say). Other errors (a library's, or a malformed request that
// only a bug of the page can send) are shown as their English text. A trap inside wasm or a
// lost device leaves the instance unusable: then the page is also told to restart the worker.
function report(error) {
  const text = String(error?.message ?? error);
  const shown = error?.said ?? text;
  if (error instanceof WebAssembly.RuntimeError || error?.said?.key === 'error.device-lost' || /device lost/i.test(text)) {
    poisoned = true;
    post({ event: 'fatal', error: shown });
  }
  return shown;
}

self.onmessage = async ({ data }) => {
  const { id, method, args } = data ?? {};
  if (poisoned) return post({ id, error: message('worker.stopped') });
  try {
    if (typeof method !== 'string' || !Object.hasOwn(methods, method)) throw new Error(`unknown request "${String(method)}"`);
    if (args !== undefined && (args === null || typeof args !== 'object')) throw new Error(`${method}: its arguments must be an object`);
    const result = await methods[method](args ?? {});
    post({ id, result });
  } catch (error) {
    post({ id, error: report(error) });
  }
};
