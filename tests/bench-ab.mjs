// Two builds of the crate, A and B, alternated on the benchmark workloads in one headless Chromium
// (the bench's worker, cross-origin isolated): what a change is worth, measured side by side, as
// a machine's speed swings between runs. Each build is a folder under the repository root that
// `wasm-pack build --target web` wrote (e.g. a copy of pkg-threads/ before the change and the new
// pkg-threads/); both must be threaded builds when THREADS > 1.
//   node tests/bench-ab.mjs DIR_A DIR_B [rounds=3] [threads=1] [workloads=matmul-peak,…]
// Prints a JSON line per run: {round, pkg, threads, workload, median, unit}.
import { startServer, launchChromium, callInWorker } from './page/browser.mjs';

const [a, b, rounds = '3', threads = '1', workloads = 'matmul-peak'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node tests/bench-ab.mjs DIR_A DIR_B [rounds] [threads] [workloads]');
const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}www/bench.html`);
  for (let round = 1; round <= Number(rounds); round += 1) {
    for (const pkg of [a, b]) {
      for (const workload of workloads.split(',')) {
        const { median, unit } = await callInWorker(page, {
          pkg, threads: Number(threads), backend: 'cpu', adapter: null,
          call: 'benchmark', args: { workload, runs: 10, warmup: 2 },
        });
        console.log(JSON.stringify({ round, pkg, threads: Number(threads), workload, median, unit }));
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
