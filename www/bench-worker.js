// Runs benchmark workloads (and the cross-build fingerprint) in a Web Worker, where the page runs
// its models and where the threaded build may block while its rayon pool works. Each message
// names the build and the backend; one wasm instance per worker, one burn runtime per backend.
// {pkg, threads, backend, adapter, call: 'benchmark' | 'fingerprint', args} → {result} | {error}
let lab = null;
const runtimes = {};

async function load(pkg, threads) {
  if (lab) return;
  lab = await import(`../${pkg}/latent_lab.js`);
  await lab.default({ module_or_path: new URL(`../${pkg}/latent_lab_bg.wasm`, import.meta.url) });
  if (threads > 1) await lab.initThreadPool(threads);
}

const calls = {
  benchmark: (runtime, { workload, runs, warmup }) => lab.benchmark(runtime, workload, runs, warmup),
  fingerprint: (runtime) => lab.fingerprint(runtime),
};

self.onmessage = async ({ data: { pkg, threads, backend, adapter, call, args } }) => {
  try {
    await load(pkg, threads);
    runtimes[backend] ??= await lab.Runtime.create(backend, adapter);
    self.postMessage({ result: await calls[call](runtimes[backend], args ?? {}) });
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
