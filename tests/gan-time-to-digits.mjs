// Time to digits in the real page: opens ?demo=gan, presses play on a fresh GAN and waits until
// the page's own reading of the grid meets the DIGITS bar (most samples read with ≥ 90 %
// confidence, ≥ 8 digits), or the time is up. Prints one JSON line per run: backend, build
// (threads or one thread), model, iterations/s, when digits appeared, and how many iterations
// the time reaches (for the default, two minutes: src/models/gan.rs, LIVE_ITERATIONS).
//   node tests/gan-time-to-digits.mjs [seconds=120] [seeds=0] [models=mlp] [backends=cpu]
// WebGPU runs on the single-threaded build only (the threaded one is CPU-only).
import { startServer, launchChromium, openDemo } from './page/browser.mjs';

const [seconds, seeds, models, backends] = [
  Number(process.argv[2] ?? 120), (process.argv[3] ?? '0').split(',').map(Number),
  (process.argv[4] ?? 'mlp').split(','), (process.argv[5] ?? 'cpu').split(','),
];
const isolated = await startServer();
const plain = await startServer({ isolated: false });
const browser = await launchChromium({ webgpu: backends.includes('webgpu') });
const runs = backends.flatMap((backend) => (backend === 'cpu'
  ? [['threads', isolated], ['one thread', plain]] : [['one thread', plain]]).map((build) => [backend, ...build]));
try {
  for (const [backend, build, server] of runs) {
    for (const [model, seed] of models.flatMap((m) => seeds.map((s) => [m, s]))) {
      const page = await openDemo(browser, `${server.url}?demo=gan&backend=${backend}&gan-model=${model}&gan-seed=${seed}`, 'gan');
      const threads = Number(await page.getByTestId('backend').getAttribute('data-threads'));
      await page.getByTestId('gan-play').click();
      const started = Date.now();
      // When the page first says digits appeared (a wait on its text, polled every 100 ms), or
      // null when it does not within the run.
      const digitsAt = await page.waitForFunction(() => document.querySelector('#gan-digits-at').textContent, null, { timeout: seconds * 1000, polling: 100 })
        .then(async () => ({ wall: (Date.now() - started) / 1000, text: (await page.locator('#gan-digits-at').textContent()).replace(/^· /, '') }))
        .catch((error) => { if (error.name !== 'TimeoutError') throw error; return null; });
      // The rest of the run: a fixed time is what is measured (iterations in `seconds`), so this
      // sleep is the measurement, not a wait for something.
      await page.waitForTimeout(Math.max(0, started + seconds * 1000 - Date.now()));
      const iterations = Number(await page.getByTestId('gan-iterations').textContent());
      const coverage = await page.getByTestId('gan-coverage').textContent();
      await page.getByTestId('gan-play').click();
      console.log(JSON.stringify({
        workload: 'gan-live-time-to-digits', backend, build, threads, model, seed, seconds, iterations,
        iterationsPerSecond: +(iterations / seconds).toFixed(1), coverage, digitsAt,
      }));
      await page.close();
    }
  }
} finally {
  await browser.close();
  isolated.close();
  plain.close();
}
