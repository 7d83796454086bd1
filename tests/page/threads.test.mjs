// The CPU backend on every core: on a cross-origin-isolated page a demo that takes threads (the
// GAN) loads the threaded build (rayon on Web Workers); a page served without COOP/COEP falls
// back to the single-threaded build and says so; both train. The two builds compute the same
// numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

// The GAN page (a demo that takes the threaded build): trains a few chunks; the badge says how
// many threads did it.
async function playGan(url, name) {
  const page = await openDemo(browser, `${url}?demo=gan&backend=cpu`, 'gan');
  const threads = Number(await page.getByTestId('backend').getAttribute('data-threads'));
  await page.getByTestId('gan-play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=gan-iterations]').textContent) >= 100, null, { timeout: 120_000 });
  const rate = await page.locator('#gan-rate').textContent();
  await page.getByTestId('gan-play').click(); // pause
  await page.screenshot({ path: `${artefacts}/threads-${name}.png` });
  const note = await page.getByTestId('note').textContent();
  console.log(`${name}: ${await page.getByTestId('backend').textContent()}; GAN ${rate}`);
  await page.close();
  return { threads, note };
}

// The auto-encoder page (one thread by choice, see www/demos/autoencoder.js): from opening it,
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
  const { threads } = await playGan(isolated.url, 'isolated');
  const cores = await (async () => {
    const page = await browser.newPage();
    await page.goto(`${isolated.url}www/bench.html`);
    const value = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.close();
    return value;
  })();
  assert.equal(threads, cores, `threads = hardwareConcurrency (${cores})`);
  await openAutoencoder(isolated.url, 'isolated');
});

test('a page without cross-origin isolation runs on one thread and says so', async () => {
  const { threads, note } = await playGan(plain.url, 'not-isolated');
  assert.equal(threads, 1);
  assert.match(note, /not cross-origin isolated/);
  await openAutoencoder(plain.url, 'not-isolated');
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
