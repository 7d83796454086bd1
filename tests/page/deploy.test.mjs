// The deploy folder (`scripts/lab deploy DIR`): self-contained (nothing read from node_modules),
// and served by a plain static server (files and content types only: no COOP/COEP, no CSP header)
// the page starts, draws and rebuilds, and a demo that takes threads falls back to one thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deployAndLaunch, openPage, openDemo, artefacts, ink, settle, drawOne, squaredError, total } from './browser.mjs';

const env = deployAndLaunch();

const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [relative(env.folder, path)];
});

test('the folder holds the page, the three builds, weights, data and the libraries, and names no node_modules', () => {
  const { folder } = env;
  const files = walk(folder);
  const bytes = files.reduce((sum, file) => sum + statSync(join(folder, file)).size, 0);
  console.log(`deploy folder: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
  for (const file of ['index.html', 'sw.js', 'www/main.js', 'www/worker.js', 'www/asset-manifest.json',
    'pkg/latent_lab.js', 'pkg/latent_lab_bg.wasm', 'pkg-cpu/latent_lab.js', 'pkg-cpu/latent_lab_bg.wasm',
    'pkg-threads/latent_lab.js', 'pkg-threads/latent_lab_bg.wasm',
    'www/weights/ae.bpk', 'www/data/mnist_test.bin.gz', 'www/vendor/uplot/dist/uPlot.esm.js',
    'www/vendor/uplot/dist/uPlot.min.css', 'www/vendor/uplot/LICENSE',
    'www/demos/path.js', 'www/path/steps.js', 'www/ui/lesson-bar.js', 'www/i18n/path.zh.js', 'www/path/pictures/pca.webp']) {
    assert.ok(files.includes(file), `${file} is in the folder`);
  }
  assert.deepEqual(files.filter((f) => f.split('/').includes('node_modules')), [], 'no node_modules folder');
  const naming = files.filter((f) => /\.(html|js|css)$/.test(f) && readFileSync(join(folder, f), 'utf8').includes('node_modules'));
  assert.deepEqual(naming, [], 'no file names node_modules');
  // The folder's manifest describes the folder's files (the rewritten ones included).
  const manifest = JSON.parse(readFileSync(join(folder, 'www/asset-manifest.json'), 'utf8'));
  assert.ok(manifest['vendor/uplot/dist/uPlot.esm.js'] && manifest['../index.html'] && manifest['weights/ae.bpk']);
  // The path's view and pictures are kept for offline use too.
  assert.ok(manifest['demos/path.js'] && manifest['path/steps.js'] && manifest['path/pictures/pca.webp'], 'the path in the manifest');
});

test('served as plain static files, the page is not isolated, starts, and rebuilds a drawn 1', async () => {
  const page = await openPage(env.browser, `${env.server.url}?demo=autoencoder&backend=cpu`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'no COOP/COEP from a plain host');
  await page.getByTestId('noise-kind').selectOption('none');
  await drawOne(page);
  await settle(page);
  const input = await ink(page, 'input-canvas');
  const rebuilt = await ink(page, 'recon-canvas');
  await page.screenshot({ path: `${artefacts}/deploy-one.png` });
  // Rebuilt, not only inked: the same bar as tests/page/autoencoder.test.mjs for this 1
  // (measured 0.62 from a deploy folder; 195 with the AE untrained, whose output has ink too).
  const error = squaredError(input, rebuilt);
  console.log(`deploy folder: the drawn 1 (ink ${total(input).toFixed(1)}) rebuilt with squared error ${error.toFixed(2)}`);
  assert.ok(total(input) > 10, `ink in the input (${total(input).toFixed(1)})`);
  assert.ok(error < 20, `the rebuilt 1 is close to the input (${error.toFixed(2)})`);
  const errors = await page.locator('[data-testid=note] [data-kind=error]').allTextContents();
  assert.deepEqual(errors, [], 'no asset refused (the folder\'s manifest matches its files)');
  await page.close();
});

test('a demo that takes threads runs on one thread there, and says so', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=gan&backend=cpu`, 'gan');
  assert.equal(await page.getByTestId('backend').getAttribute('data-threads'), '1');
  assert.match(await page.getByTestId('note').textContent(), /not cross-origin isolated/);
  await page.close();
});

test('the folder\'s landing view is the path, its pictures served', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  try {
    await page.goto(env.server.url);
    await page.waitForFunction(() => document.querySelector('[data-demo=path]')?.dataset.ready === 'true', null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=path] [data-step] img').naturalWidth > 0, null, { timeout: 30_000 });
    assert.ok(await page.locator('[data-testid=path] [data-step]').count() >= 15);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
