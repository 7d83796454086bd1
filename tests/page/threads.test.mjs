// The CPU backend on every core: a cross-origin-isolated page loads the threaded build (rayon on
// Web Workers), a page served without COOP/COEP falls back to the single-threaded build and says
// so; both draw and train. The two builds compute the same numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchChromium, openPage, artefacts, ink, squaredError, settle, drawOne, callInWorker,
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

// Draws a 1, checks the rebuild, trains a few chunks: the badge says how many threads did it.
async function drawAndTrain(url, name) {
  // From opening the page (served from loopback without caching) to its first reconstruction.
  const started = performance.now();
  const page = await openPage(browser, `${url}?backend=cpu`);
  const firstReconstruction = (performance.now() - started) / 1000;
  const threads = Number(await page.getByTestId('backend').getAttribute('data-threads'));
  await drawOne(page);
  await settle(page);
  const [input, rebuilt] = [await ink(page, 'input-canvas'), await ink(page, 'recon-canvas')];
  assert.ok(squaredError(input, rebuilt) < 20, `${name}: the 1 is rebuilt`);
  await page.getByTestId('ae-train').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=ae-train-steps]').textContent) >= 100, null, { timeout: 120_000 });
  const rate = await page.getByTestId('ae-train-rate').textContent();
  await page.getByTestId('ae-train').click(); // pause
  await page.screenshot({ path: `${artefacts}/threads-${name}.png` });
  const note = await page.getByTestId('note').textContent();
  console.log(`${name}: ${await page.getByTestId('backend').textContent()}; training ${rate}; `
    + `first reconstruction ${firstReconstruction.toFixed(1)} s after opening the page`);
  await page.close();
  return { threads, note };
}

test('a cross-origin-isolated page runs the CPU backend on every core', async () => {
  const { threads } = await drawAndTrain(isolated.url, 'isolated');
  const cores = await (async () => {
    const page = await browser.newPage();
    await page.goto(`${isolated.url}www/bench.html`);
    const value = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.close();
    return value;
  })();
  assert.equal(threads, cores, `threads = hardwareConcurrency (${cores})`);
});

test('a page without cross-origin isolation runs on one thread and says so', async () => {
  const { threads, note } = await drawAndTrain(plain.url, 'not-isolated');
  assert.equal(threads, 1);
  assert.match(note, /not cross-origin isolated/);
});

test('the threaded build gives the single-threaded build\'s numbers', async () => {
  const page = await browser.newPage();
  await page.goto(`${isolated.url}www/bench.html`);
  const run = (pkg, threads) => callInWorker(page, { pkg, threads, backend: 'cpu', adapter: null, call: 'fingerprint' });
  const single = await run('pkg', 1);
  const threaded = await run('pkg-threads', 2);
  await page.close();
  const worst = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(v))), 0);
  for (const key of ['forward', 'ae_losses', 'vae_losses']) {
    assert.equal(threaded[key].length, single[key].length, key);
    const difference = worst(single[key], threaded[key]);
    console.log(`${key}: ${single[key].length} numbers, largest relative difference ${difference.toExponential(1)}`);
    assert.ok(difference < 1e-4, `${key} differs by ${difference}`);
  }
  console.log(`AE losses ${single.ae_losses.map((v) => v.toFixed(3)).join(', ')}; VAE ${single.vae_losses.map((v) => v.toFixed(2)).join(', ')}`);
});
