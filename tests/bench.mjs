// Runs the benchmark workloads this project implements (those of shared/bench/WORKLOADS.md, and
// ae-train-step) in headless Chromium, on both CPU backends (flex, which the page uses, and
// ndarray, for comparison) and on WebGPU when the browser offers it. Prints one JSON line per
// (workload, backend), after a {"meta": …} line. Needs the pkg-bench build of `scripts/lab bench`.
import { readFileSync } from 'node:fs';
import { startServer, launchChromium, root } from './page/browser.mjs';

// Runs per backend kind: the software WebGPU adapters here are ~100× slower than the CPU.
const workloads = [
  { id: 'ae-latency', cpu: { runs: 50, warmup: 5 }, webgpu: { runs: 10, warmup: 3 } },
  { id: 'ae-throughput', cpu: { runs: 10, warmup: 3 }, webgpu: { runs: 5, warmup: 2 } },
  { id: 'ae-train-step', cpu: { runs: 30, warmup: 5 }, webgpu: { runs: 5, warmup: 2 } },
];
const lockVersion = (name) => readFileSync(`${root}/Cargo.lock`, 'utf8')
  .match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`))?.[1];

const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}www/bench.html`);
  const adapter = await page.evaluate(async () => {
    const found = await navigator.gpu?.requestAdapter();
    if (!found) return null;
    const { vendor, architecture, device, description } = found.info;
    return { vendor, architecture, device, description, isFallbackAdapter: Boolean(found.info.isFallbackAdapter) };
  });
  console.log(JSON.stringify({ meta: {
    browser: `chromium ${browser.version()}`, adapter,
    burn: lockVersion('burn'), wgpu: lockVersion('wgpu'), wasmBindgen: lockVersion('wasm-bindgen'),
    profile: 'release', thread: 'page main thread',
  } }));
  for (const backend of ['cpu', 'cpu-ndarray', ...(adapter ? ['webgpu'] : [])]) {
    for (const workload of workloads) {
      const { runs, warmup } = workload[backend === 'webgpu' ? 'webgpu' : 'cpu'];
      const result = await page.evaluate(async ({ backend, adapter, id, runs, warmup }) => {
        const lab = await import('/pkg-bench/latent_lab.js');
        await lab.default();
        // One runtime per page: WebGPU can be initialised only once per wasm instance.
        window.__runtimes ??= {};
        window.__runtimes[backend] ??= await lab.Runtime.create(backend, adapter);
        return lab.benchmark(window.__runtimes[backend], id, runs, warmup);
      }, { backend, adapter, id: workload.id, runs, warmup });
      console.log(JSON.stringify(result));
    }
  }
} finally {
  await browser.close();
  server.close();
}
