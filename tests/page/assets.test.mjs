// Page tests of the asset manifest (www/asset-manifest.json, written by the build): the worker
// checks every weights and data file against its SHA-256 before use. A file changed by one byte
// (which its parser may well accept) is refused by name and the rest of the page works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serveAndLaunch, openDemo, root, strokeOn, drawn, draws } from './browser.mjs';

const env = serveAndLaunch();

test('every asset matches the manifest: no notes on a plain load', async () => {
  const manifest = JSON.parse(readFileSync(`${root}/www/asset-manifest.json`, 'utf8'));
  assert.ok(Object.keys(manifest).length >= 20, 'the manifest lists the weights and data');
  const page = await openDemo(env.browser, `${env.server.url}?demo=ae-variants&backend=cpu`, 'ae-variants');
  const errors = await page.locator('[data-testid=note] [data-kind=error]').allTextContents();
  assert.deepEqual(errors, [], 'no asset is refused');
  await page.close();
});

test('a weights file changed by one byte is refused by name; the page keeps working', async () => {
  const changed = readFileSync(`${root}/www/weights/conv-ae.bpk`);
  changed[changed.length - 3] ^= 0x01; // one bit of the last weights
  const page = await env.browser.newPage({ viewport: { width: 1200, height: 1300 } });
  await page.route('**/weights/conv-ae.bpk', (route) => route.fulfill({ body: changed }));
  await page.goto(`${env.server.url}?demo=ae-variants&backend=cpu`);
  await page.waitForFunction(() => document.querySelector('[data-demo=ae-variants]').dataset.ready === 'true', null, { timeout: 180_000 });
  const note = await page.getByTestId('note').textContent();
  console.log(`note: ${note}`);
  assert.match(note, /conv-ae\.bpk: its SHA-256 does not match/);
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  const before = await draws(page, 'unpool-switch-canvas');
  await strokeOn(page, 'draw-canvas', [[140, 45], [140, 235]], 280);
  await drawn(page, 'unpool-switch-canvas', before);
  assert.ok(Number(await page.getByTestId('jacobian-norm').evaluate((e) => e.dataset.value)) > 0, 'the rest of the demo works');
  await page.close();
});

test('the pretraining table the page shows as it is goes through the same check', async () => {
  const table = JSON.parse(readFileSync(`${root}/www/weights/pretraining-table.json`, 'utf8'));
  table.rows[0].pretrained[0] += 10; // a better figure than was measured
  const page = await env.browser.newPage({ viewport: { width: 1200, height: 1300 } });
  await page.route('**/weights/pretraining-table.json', (route) => route.fulfill({ body: JSON.stringify(table) }));
  await page.goto(`${env.server.url}?demo=ae-variants&backend=cpu`);
  await page.waitForFunction(() => document.querySelector('[data-demo=ae-variants]').dataset.ready === 'true', null, { timeout: 180_000 });
  assert.match(await page.getByTestId('note').textContent(), /pretraining-table\.json: its SHA-256 does not match/);
  assert.equal(await page.getByTestId('pretrain-table').evaluate((t) => t.tBodies[0].rows.length), 0, 'the changed table is not shown');
  await page.close();
});
