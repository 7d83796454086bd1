// Prints one markdown table from two JSON-lines files of the same `scripts/lab bench` run:
// latent-lab's results and the TensorFlow.js peer's. Each latent-lab backend is set against the
// peer's backend of the same kind: CPU against TF.js's wasm backend (XNNPACK; for gan-step, where
// stock wasm has no conv-backprop kernel, against wasm+shim), WebGPU against TF.js's WebGPU.
// "× TF.js" is how many times faster latent-lab is (> 1: faster), whatever the unit.
//   node tests/bench-table.mjs latent-lab.jsonl [tfjs.jsonl] [--record]   (without the peer's file: '—')
// A second table sets each workload's arithmetic against `matmul-peak` (a 1024³ matrix product
// through the same backend and build): the share of that rate each workload reaches.
// Then the regression check: ratios between figures of the same run (a backend against ndarray on
// the same workload, a workload's GFLOP/s against its backend's matmul-peak) are compared with the
// ones recorded in tests/bench-ratios.json; one that fell by more than TOLERANCE is printed loudly
// and the command exits with status 3. Ratios of one run cancel most of the machine's speed, so
// the check holds on another machine of the same kind. `--record` writes this run's ratios there.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Floating-point operations per unit of each workload (2 per multiply-add). Training counts 3×
// the forward pass (forward, input gradient, weight gradient). Forward multiply-adds per image:
// deep AE 2,837,314 parameters − 4,314 biases = 2,833,000; the page's AE 475,136; the workload VAE 651,200;
// DCGAN G 7,250,432 and D 6,629,504. A gan-step iteration runs G forward on 64, D forward and
// backward on 128 (real + fake) and on 64 (G's step), and G backward on 64. A pixel-sample step
// of the PixelRNN per image: input window 38×256, state 192×256, head 102×64 + 64×1 = 65,472
// multiply-adds, 784 steps, 16 images.
const FLOPS = {
  'ae-latency': 2 * 2_833_000,
  'ae-throughput': 2 * 2_833_000,
  'ae-train-step': 64 * 3 * 2 * 475_136,
  'vae-step': 128 * 3 * 2 * 651_200,
  'gan-step': 2 * 64 * 3 * (7_250_432 + 3 * 6_629_504),
  'pixel-sample': 2 * 16 * 784 * 65_472,
};

const readLines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l)).filter((r) => r.workload);
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const record = process.argv.includes('--record');
const [ours, peer = []] = files.map(readLines);
// The threads the peer's wasm backend reported (`tf.wasm.getThreadsCount()` in its meta line).
const peerThreads = Object.fromEntries((files[1] ? readFileSync(files[1], 'utf8').split('\n') : [])
  .filter((l) => l.startsWith('{"meta"')).map((l) => JSON.parse(l).meta)
  .filter((m) => m.backend && m.wasm).map((m) => [m.backend, m.wasm.threads]));
const threadsOf = (backend, reported) => (backend === 'webgpu' ? 'GPU' : reported ?? '—');

const peerOf = (workload, backend) => {
  const kinds = backend === 'webgpu' ? ['webgpu'] : ['wasm', 'wasm+shim'];
  return kinds.map((kind) => peer.find((r) => r.workload === workload && r.backend === kind && r.median != null))
    .find(Boolean);
};
const lowerIsBetter = (unit) => unit.startsWith('ms');
const format = (value) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3));

console.log('| workload | unit | latent-lab backend | threads | latent-lab | TF.js 4.22 backend | threads | TF.js | × TF.js |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const result of ours) {
  if (result.error) {
    console.log(`| ${result.workload} | | ${result.backend} | | error: ${result.error} | | | | |`);
    continue;
  }
  const reference = peerOf(result.workload, result.backend);
  const ratio = reference
    && (lowerIsBetter(result.unit) ? reference.median / result.median : result.median / reference.median);
  const theirThreads = reference ? threadsOf(reference.backend, peerThreads[reference.backend.replace('+shim', '')]) : '—';
  console.log(`| ${result.workload} | ${result.unit} | ${result.backend} | ${threadsOf(result.backend, result.threads)} | `
    + `${format(result.median)} | ${reference ? reference.backend : '—'} | ${theirThreads} | `
    + `${reference ? format(reference.median) : '—'} | ${ratio ? `${ratio.toFixed(2)}×` : '—'} |`);
}

// GFLOP/s each workload reached, and its share of the matrix-product rate of the same backend.
const gflops = (r) => (r.unit.startsWith('ms') ? FLOPS[r.workload] / (r.median * 1e6) : FLOPS[r.workload] * r.median / 1e9);
const peaks = Object.fromEntries(ours.filter((r) => r.workload === 'matmul-peak' && !r.error).map((r) => [r.backend, r.median]));
console.log('\n| workload | backend | GFLOP/s reached | matmul-peak of that backend | share |');
console.log('|---|---|---|---|---|');
for (const result of ours.filter((r) => FLOPS[r.workload] && !r.error && peaks[r.backend])) {
  const reached = gflops(result);
  console.log(`| ${result.workload} | ${result.backend} | ${reached.toFixed(2)} | ${peaks[result.backend].toFixed(1)} | `
    + `${Math.round((100 * reached) / peaks[result.backend])} % |`);
}

// Same-run ratios, each oriented so that higher is better for the first backend.
const speed = (r) => (lowerIsBetter(r.unit) ? 1 / r.median : r.median);
const ratios = {};
const ndarray = Object.fromEntries(ours.filter((r) => r.backend === 'cpu-ndarray' && !r.error).map((r) => [r.workload, r]));
for (const result of ours.filter((r) => !r.error && r.backend !== 'cpu-ndarray')) {
  const reference = ndarray[result.workload];
  if (reference && result.workload !== 'matmul-peak') {
    ratios[`${result.workload}: ${result.backend} ÷ cpu-ndarray`] = speed(result) / speed(reference);
  }
  if (FLOPS[result.workload] && peaks[result.backend]) {
    ratios[`${result.workload}: ${result.backend} GFLOP/s ÷ its matmul-peak`] = gflops(result) / peaks[result.backend];
  }
}

// A ratio may drop this much from the recorded one before it counts as a regression: two quiet
// runs of one build here (2026-12-01) gave ratios 0.75-1.12 of each other (the widest:
// pixel-sample against ndarray), so 35 %. The slowdown issue 29 reported for ae-throughput on flex
// was 60 % of both of its ratios.
const TOLERANCE = 0.35;
const recordFile = fileURLToPath(new URL('bench-ratios.json', import.meta.url));
const meta = readFileSync(files[0], 'utf8').split('\n').filter((l) => l.startsWith('{"meta"')).map((l) => JSON.parse(l).meta)[0];
if (record) {
  const rounded = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Number(v.toPrecision(3))]));
  writeFileSync(recordFile, `${JSON.stringify({ recorded: new Date().toISOString().slice(0, 10), from: files[0],
    browser: meta?.browser, cores: meta?.hardwareConcurrency, ratios: rounded }, null, 2)}\n`);
  console.log(`\nRecorded ${Object.keys(rounded).length} same-run ratios in ${recordFile}`);
} else {
  const recorded = JSON.parse(readFileSync(recordFile, 'utf8'));
  const fallen = Object.entries(recorded.ratios).filter(([key, was]) => key in ratios && ratios[key] < was * (1 - TOLERANCE));
  const missing = Object.keys(recorded.ratios).filter((key) => !(key in ratios));
  console.log(`\nSame-run ratios against tests/bench-ratios.json (recorded ${recorded.recorded}): `
    + `${Object.keys(recorded.ratios).length - fallen.length - missing.length} held, ${fallen.length} fell, ${missing.length} not measured this run`);
  if (fallen.length) {
    const lines = fallen.map(([key, was]) => `  ${key}: ${ratios[key].toPrecision(3)} now, ${was} recorded (${Math.round(100 * (1 - ratios[key] / was))} % lower)`);
    console.error(['', '#'.repeat(100), `# SPEED REGRESSION: ${fallen.length} same-run ratio(s) fell more than ${100 * TOLERANCE} % below the recorded ones`,
      ...lines, '# Bisect: WORKLOADS=<workload> BACKENDS=<backends> node tests/bench.mjs at each commit;',
      '# record new ratios only for a change that is meant (scripts/lab bench record).', '#'.repeat(100)].join('\n'));
    process.exitCode = 3;
  }
}
