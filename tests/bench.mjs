// Runs the benchmark workloads of shared/bench/WORKLOADS.md (and ae-train-step and gan-live-step,
// the page's own training steps) in headless Chromium, in a Web Worker as the page runs its models, on a
// cross-origin-isolated page: flex on one thread (pkg-bench, which also has ndarray to compare
// CPU backends), flex on every core (pkg-threads), and WebGPU when the browser offers it. Prints
// one JSON line per (workload, backend) after a {"meta": …} line. `scripts/lab bench` builds the
// packages first and then runs the TensorFlow.js peer and prints the comparison table.
// WORKLOADS=a,b and BACKENDS=cpu-flex,… run a subset. Each workload warms up for at least 3 s
// (src/web/bench.rs, WARMUP_MS) besides its warm-up runs: V8 optimises a fresh module in the
// background, and a short warm-up measured its baseline code.
import { readFileSync } from 'node:fs';
import { startServer, launchChromium, root, callInWorker } from './page/browser.mjs';

// Runs per backend kind: the software WebGPU adapters here are ~100× slower than the CPU.
const workloads = [
  { id: 'ae-latency', cpu: { runs: 50, warmup: 5 }, webgpu: { runs: 10, warmup: 3 } },
  { id: 'ae-throughput', cpu: { runs: 10, warmup: 3 }, webgpu: { runs: 5, warmup: 2 } },
  { id: 'ae-train-step', cpu: { runs: 30, warmup: 5 }, webgpu: { runs: 5, warmup: 2 } },
  { id: 'vae-step', cpu: { runs: 20, warmup: 3 }, webgpu: { runs: 5, warmup: 2 } },
  { id: 'gan-step', cpu: { runs: 10, warmup: 3 }, webgpu: { runs: 2, warmup: 1 } },
  { id: 'gan-live-step', cpu: { runs: 30, warmup: 5 }, webgpu: { runs: 5, warmup: 2 } },
  { id: 'pixel-sample', cpu: { runs: 5, warmup: 1 }, webgpu: { runs: 1, warmup: 1 } },
  { id: 'matmul-peak', cpu: { runs: 5, warmup: 2 }, webgpu: { runs: 3, warmup: 1 } },
].filter(({ id }) => !process.env.WORKLOADS || process.env.WORKLOADS.split(',').includes(id));
const lockVersion = (name) => readFileSync(`${root}/Cargo.lock`, 'utf8')
  .match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`))?.[1];

const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}www/bench.html`);
  const { adapter, cores, isolated } = await page.evaluate(async () => {
    const found = await navigator.gpu?.requestAdapter();
    const info = found?.info;
    return {
      adapter: info ? {
        vendor: info.vendor, architecture: info.architecture, device: info.device,
        description: info.description, isFallbackAdapter: Boolean(info.isFallbackAdapter),
      } : null,
      cores: navigator.hardwareConcurrency,
      isolated: crossOriginIsolated,
    };
  });
  console.log(JSON.stringify({ meta: {
    browser: `chromium ${browser.version()}`, adapter, hardwareConcurrency: cores, crossOriginIsolated: isolated,
    burn: lockVersion('burn'), wgpu: lockVersion('wgpu'), wasmBindgen: lockVersion('wasm-bindgen'),
    profile: 'release', wasm: 'simd128', thread: 'Web Worker',
  } }));
  const backends = [
    { name: 'cpu-flex', pkg: 'pkg-bench', threads: 1, runtime: 'cpu' },
    { name: 'cpu-flex-threads', pkg: 'pkg-threads', threads: cores, runtime: 'cpu' },
    { name: 'cpu-ndarray', pkg: 'pkg-bench', threads: 1, runtime: 'cpu-ndarray' },
    ...(adapter ? [{ name: 'webgpu', pkg: 'pkg-bench', threads: 1, runtime: 'webgpu' }] : []),
  ].filter(({ name }) => !process.env.BACKENDS || process.env.BACKENDS.split(',').includes(name));
  for (const backend of backends) {
    for (const workload of workloads) {
      const { runs, warmup } = workload[backend.runtime === 'webgpu' ? 'webgpu' : 'cpu'];
      // A fresh worker each time: one wasm instance, WebGPU set up once in it.
      const line = await callInWorker(page, {
        pkg: backend.pkg, threads: backend.threads, backend: backend.runtime, adapter,
        call: 'benchmark', args: { workload: workload.id, runs, warmup },
      }).then((result) => ({ ...result, backend: backend.name, threads: backend.threads }),
        (error) => ({ workload: workload.id, backend: backend.name, error: error.message }));
      console.log(JSON.stringify(line));
    }
  }
} finally {
  await browser.close();
  server.close();
}
