// The CPU backend on every core: on a cross-origin-isolated page a demo that takes threads (the
// GAN) loads the threaded build (rayon on Web Workers) and its training runs on as many worker
// threads as there are cores; a page served without COOP/COEP falls back to the single-threaded
// build, says so, and trains on one. Which threads worked is read from the OS (Linux's /proc),
// not from the page. The three builds compute the same numbers on the CPU.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  startServer, launchChromium, openPage, openDemo, artefacts, ink, squaredError, settle, drawOne, callInWorker,
} from './browser.mjs';

let isolated;
let plain;
let browser;
before(async () => {
  isolated = await startServer();
  plain = await startServer({ isolated: false });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  isolated?.close();
  plain?.close();
});

// CPU time (clock ticks, user + system) of every Web Worker thread of this Chromium's renderers
// (Chromium names them "DedicatedWorker"), by "process/thread" id. A thread that ends while it
// is read is left out.
async function workerThreadTicks() {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const ticks = new Map();
  for (const { id } of processInfo.filter((p) => p.type === 'renderer')) {
    let threads;
    try {
      threads = readdirSync(`/proc/${id}/task`);
    } catch (error) {
      if (error.code === 'ENOENT') continue; // the renderer of a page closed before
      throw error;
    }
    for (const tid of threads) {
      try {
        if (readFileSync(`/proc/${id}/task/${tid}/comm`, 'utf8').trim() !== 'DedicatedWorker') continue;
        const stat = readFileSync(`/proc/${id}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
        ticks.set(`${id}/${tid}`, Number(fields[11]) + Number(fields[12])); // utime, stime
      } catch (error) {
        if (error.code !== 'ENOENT' && error.code !== 'ESRCH') throw error;
      }
    }
  }
  return ticks;
}

// A worker thread worked during play when its CPU time reached this share of the busiest
// worker thread's; an idle thread has none. Measured on 2 cores (the log line prints them): to
// 100 iterations the model worker spent 1.12 s and the two pool workers 1.08 s and 1.03 s (0.92
// of the busiest and more); with the pool cut to one worker, 2.18 s and 0.75 s.
const WORKED_SHARE = 0.25;

// The GAN page (a demo that takes the threaded build): trains 100 iterations; the badge says how
// many threads it runs on, and /proc how many worker threads worked meanwhile. In each renderer
// the first worker thread (the lowest id) is the page's model worker (www/worker.js, started as
// the page loads); the later ones are the rayon pool's, started by it.
async function playGan(url, name) {
  const page = await openDemo(browser, `${url}?demo=gan&backend=cpu`, 'gan');
  const threads = Number(await page.getByTestId('backend').getAttribute('data-threads'));
  const before = await workerThreadTicks();
  await page.getByTestId('gan-play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=gan-iterations]').textContent) >= 100, null, { timeout: 120_000 });
  const after = await workerThreadTicks();
  const rate = await page.locator('#gan-rate').textContent();
  await page.getByTestId('gan-play').click(); // pause
  await page.screenshot({ path: `${artefacts}/threads-${name}.png` });
  const note = await page.getByTestId('note').textContent();
  const spent = [...after].map(([thread, ticks]) => {
    const [pid, tid] = thread.split('/').map(Number);
    return { pid, tid, ticks: ticks - (before.get(thread) ?? 0) };
  });
  const first = (t) => !spent.some((o) => o.pid === t.pid && o.tid < t.tid);
  const busiest = Math.max(0, ...spent.map((t) => t.ticks));
  const worked = (t) => t.ticks > 0 && t.ticks >= WORKED_SHARE * busiest;
  const model = spent.filter(first);
  const pool = spent.filter((t) => !first(t));
  const seconds = (list) => list.map((t) => (t.ticks / 100).toFixed(2)).join(', ') || 'none'; // 100 ticks a second on Linux
  console.log(`${name}: ${await page.getByTestId('backend').textContent()}; GAN ${rate}; CPU seconds while playing: `
    + `model workers ${seconds(model)}, pool workers ${seconds(pool)} (${pool.filter(worked).length} worked)`);
  await page.close();
  return { threads, note, modelWorked: model.filter(worked).length, poolWorked: pool.filter(worked).length };
}

// The auto-encoder page (threads where the page is isolated, see www/demos/autoencoder.js): from opening it,
// served from loopback without caching, to its first reconstruction; then a drawn 1 is rebuilt.
async function openAutoencoder(url, name) {
  const started = performance.now();
  const page = await openPage(browser, `${url}?backend=cpu`);
  const seconds = (performance.now() - started) / 1000;
  await drawOne(page);
  await settle(page);
  const [input, rebuilt] = [await ink(page, 'input-canvas'), await ink(page, 'recon-canvas')];
  assert.ok(squaredError(input, rebuilt) < 20, `${name}: the 1 is rebuilt`);
  console.log(`${name}: auto-encoder page ${await page.getByTestId('backend').textContent()}; first reconstruction ${seconds.toFixed(1)} s after opening the page`);
  await page.close();
}

test('a cross-origin-isolated page runs the GAN on every core', async () => {
  const { threads, poolWorked } = await playGan(isolated.url, 'isolated');
  const cores = await (async () => {
    const page = await browser.newPage();
    await page.goto(`${isolated.url}www/bench.html`);
    const value = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.close();
    return value;
  })();
  assert.equal(threads, cores, `the badge says one thread per core (${cores})`);
  assert.equal(poolWorked, cores, `pool workers that worked while the GAN played: one per core (${cores})`);
  await openAutoencoder(isolated.url, 'isolated');
});

test('a page without cross-origin isolation runs on one thread and says so', async () => {
  const { threads, note, modelWorked, poolWorked } = await playGan(plain.url, 'not-isolated');
  assert.equal(threads, 1);
  assert.equal(modelWorked, 1, 'the model worker worked while the GAN played');
  assert.equal(poolWorked, 0, 'no other worker thread did');
  assert.match(note, /not cross-origin isolated/);
  await openAutoencoder(plain.url, 'not-isolated');
});

test('the threaded build and the CPU-only build give the WebGPU build\'s CPU numbers', async () => {
  const page = await browser.newPage();
  await page.goto(`${isolated.url}www/bench.html`);
  const run = (pkg, threads) => callInWorker(page, { pkg, threads, backend: 'cpu', adapter: null, call: 'fingerprint' });
  const single = await run('pkg', 1);
  const others = { 'pkg-threads': await run('pkg-threads', 2), 'pkg-cpu': await run('pkg-cpu', 1) };
  await page.close();
  const worst = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(v))), 0);
  for (const [build, numbers] of Object.entries(others)) {
    for (const key of ['forward', 'ae_losses', 'vae_losses']) {
      assert.equal(numbers[key].length, single[key].length, `${build} ${key}`);
      const difference = worst(single[key], numbers[key]);
      console.log(`${build} ${key}: ${single[key].length} numbers, largest relative difference ${difference.toExponential(1)}`);
      assert.ok(difference < 1e-4, `${build} ${key} differs by ${difference}`);
    }
  }
  console.log(`AE losses ${single.ae_losses.map((v) => v.toFixed(3)).join(', ')}; VAE ${single.vae_losses.map((v) => v.toFixed(2)).join(', ')}`);
});
