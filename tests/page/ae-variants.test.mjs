// Page tests of the auto-encoder variants (?demo=ae-variants): draw with pointer events and
// check the three conv decoders' rebuilds and the Jacobian read-out; change λ (a shipped one,
// then one trained in the page); nudge the digit; run the small-N fine-tuning and see the table
// get a row; a corrupt weights file is named and the rest keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, openDemo, artefacts, canvasInk, frame, strokeOn, settle, frameProbe, draws, drawn, total } from './browser.mjs';

const env = serveAndLaunch();
const errors = [];
let opened = null;
const variants = () => {
  opened ??= openDemo(env.browser, `${env.server.url}?demo=ae-variants&backend=cpu`, 'ae-variants', { errors });
  return opened;
};

const readout = (page) => page.getByTestId('jacobian-norm').evaluate((e) => ({ text: e.textContent, value: Number(e.dataset.value), lambda: Number(e.dataset.lambda) }));

// A 7 on the 280-pixel pad: a top bar and a slanted stem.
const seven = [[80, 60], [200, 60], [120, 230]];

test('a drawn 7: three conv rebuilds with ink, the unpooled maps, and the Jacobian read-out', async () => {
  const page = await variants();
  const before = await draws(page, 'deconv-canvas');
  await page.getByTestId('variants-clear').click();
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  await strokeOn(page, 'draw-canvas', seven.flatMap(([x, y], i) => (i ? [[(seven[i - 1][0] + x) / 2, (seven[i - 1][1] + y) / 2], [x, y]] : [[x, y]])), 280);
  await drawn(page, 'deconv-canvas', before);
  await settle(page);
  await page.screenshot({ path: `${artefacts}/ae-variants-drawn.png`, fullPage: true });
  for (const id of ['unpool-switch-canvas', 'unpool-repeat-canvas', 'deconv-canvas']) {
    const canvas = await canvasInk(page, id);
    assert.equal(canvas.width, 28 * Number(canvas.scale), `${id} is 28×28 at data-scale`);
    const image = frame(canvas, 0);
    assert.ok(total(image) > 25, `${id} has ink (${total(image).toFixed(1)})`);
    // The 7's bar: ink along the top rows, none in the bottom-left corner.
    const bar = Math.max(...[4, 5, 6, 7, 8].map((y) => image.slice(y * 28 + 8, y * 28 + 20).reduce((a, b) => a + b, 0)));
    assert.ok(bar > 3, `${id}: the bar of the 7 is rebuilt (${bar.toFixed(2)})`);
  }
  const maps = await canvasInk(page, 'unpool-maps');
  assert.ok(Number(maps.channels) >= 2, 'the maps of every channel are shown');
  // With switches at most one pixel of each 2×2 block of a map is lit; repeated, the blocks are flat.
  const side = Number(maps.side);
  const scale = Number(maps.scale);
  const at = (row, x, y) => maps.ink[((row * side + y) * scale) * maps.width + x * scale];
  let switchBlocks = 0; let switchSparse = 0; let repeatBlocks = 0; let repeatFlat = 0;
  for (let c = 0; c < Number(maps.channels); c += 1) {
    for (let by = 0; by < side; by += 2) {
      for (let bx = 0; bx < side; bx += 2) {
        const cells = (row) => [[0, 0], [1, 0], [0, 1], [1, 1]].map(([dx, dy]) => at(row, c * side + bx + dx, by + dy));
        const s = cells(0);
        if (Math.max(...s) > 0.05) { switchBlocks += 1; if (s.filter((v) => v > 0).length === 1) switchSparse += 1; }
        const r = cells(1);
        if (Math.max(...r) > 0.05) { repeatBlocks += 1; if (Math.max(...r) - Math.min(...r) < 0.01) repeatFlat += 1; }
      }
    }
  }
  console.log(`unpooled maps: ${switchSparse}/${switchBlocks} lit switch blocks have one pixel lit; ${repeatFlat}/${repeatBlocks} lit repeat blocks are flat`);
  assert.ok(switchBlocks > 10 && switchSparse === switchBlocks, 'switch unpooling lights one pixel per block');
  assert.ok(repeatBlocks > 10 && repeatFlat === repeatBlocks, 'repeat unpooling fills each block with one value');
  const shown = await readout(page);
  assert.ok(Number.isFinite(shown.value) && shown.value > 0, `the Jacobian norm is read out (${shown.text})`);
  assert.ok(Number(await page.getByTestId('deconv-check').evaluate((e) => e.dataset.difference)) < 1e-4, 'deconvolution equals the convolution over the zero-inserted input');
  const rows = await page.locator('#cae-models tr').count();
  assert.ok(rows >= 4, `every shipped one-layer AE has a row (${rows})`);
});

test('changing λ changes the read-out: a shipped model, then one trained here', async () => {
  const page = await variants();
  await settle(page);
  const lambdas = await page.locator('#cae-lambdas option').evaluateAll((options) => options.map((o) => Number(o.value)));
  const first = await readout(page);
  const other = lambdas.find((l) => l !== first.lambda);
  await page.getByTestId('cae-lambda').fill(String(other));
  await page.waitForFunction((l) => Number(document.querySelector('[data-testid=jacobian-norm]').dataset.lambda) === l, other);
  await settle(page);
  const second = await readout(page);
  console.log(`Jacobian norm of the drawn 7: λ = ${first.lambda} → ${first.value.toFixed(3)}, λ = ${other} → ${second.value.toFixed(3)}`);
  assert.notEqual(second.value, first.value, 'another λ, another read-out');
  // A λ with no shipped model trains one here; the read-out follows it.
  const unshipped = 0.2 + Math.max(...lambdas) / 7;
  await page.getByTestId('cae-lambda').fill(unshipped.toFixed(3));
  await page.waitForFunction(() => /steps/.test(document.querySelector('#cae-train-status').textContent), null, { timeout: 60_000 });
  await page.waitForFunction(() => Number.isFinite(Number(document.querySelector('[data-testid=jacobian-norm]').dataset.value))
    && /trained here/.test(document.querySelector('#cae-chosen-caption').textContent), null, { timeout: 120_000 });
  const trained = await readout(page);
  assert.ok(trained.value > 0, `the trained model's read-out (${trained.text})`);
});

test('nudging the digit plots each model\'s code shift', async () => {
  const page = await variants();
  const plot = page.getByTestId('code-shift-plot');
  await page.waitForFunction(() => document.querySelector('[data-testid=code-shift-plot]').dataset.points === '6');
  await page.locator('[name=cae-nudge][value=noise]').check();
  await page.waitForFunction(() => document.querySelector('[data-testid=code-shift-plot]').dataset.kind === 'noise');
  assert.equal(await plot.evaluate((e) => e.dataset.points), '6');
  await page.screenshot({ path: `${artefacts}/ae-variants-shift.png`, fullPage: true });
});

test('the conv decoders\' test errors, and the small-N fine-tuning adds a table row', async () => {
  const page = await variants();
  await page.waitForFunction(() => document.querySelector('[data-testid=conv-test-errors]').dataset.errors, null, { timeout: 240_000 });
  const convErrors = (await page.getByTestId('conv-test-errors').evaluate((e) => e.dataset.errors)).split(',').map(Number);
  console.log(`conv decoders' test errors in the page: ${convErrors.map((e) => e.toFixed(2)).join(', ')}`);
  assert.ok(convErrors[0] < convErrors[1] && convErrors[0] < convErrors[2], 'the switches give the smallest error');
  const table = page.getByTestId('pretrain-table');
  const rows = Number(await table.evaluate((t) => t.dataset.rows));
  assert.ok(rows >= 3, `the native table has its rows (${rows})`);
  await frameProbe(page);
  await page.getByTestId('pretrain-run').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=pretrain-table]').dataset.rows) > n, rows, { timeout: 300_000 });
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  const row = await table.locator('tr[data-browser=true]').first().locator('td').allTextContents();
  console.log(`fine-tuning in the page: ${row.join(' | ')}; longest animation-frame gap ${gap.toFixed(0)} ms`);
  assert.equal(row[0], '100');
  assert.ok(gap < 200, `no animation-frame gap over 200 ms (${gap.toFixed(0)})`);
  // The filters are redrawn after the row is added.
  await page.waitForFunction(() => document.querySelector('[data-testid=pretrain-filters]').dataset.fineTuned === 'true');
  const filters = await canvasInk(page, 'pretrain-filters');
  assert.equal(filters.panels, 'pretrained,random,fine-tuned', 'three panels of filters');
  await page.screenshot({ path: `${artefacts}/ae-variants-pretrain.png`, fullPage: true });
  await page.getByTestId('pretrain-filters').screenshot({ path: `${artefacts}/ae-variants-filters.png` });
  assert.deepEqual(errors, [], 'no errors in the page');
});

test('a corrupt conv-ae.bpk is named; the contractive models still work', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1200, height: 1300 } });
  await page.route('**/weights/conv-ae.bpk', (route) => route.fulfill({ body: Buffer.from('not weights at all') }));
  await page.goto(`${env.server.url}?demo=ae-variants&backend=cpu`);
  await page.waitForFunction(() => document.querySelector('[data-demo=ae-variants]').dataset.ready === 'true', null, { timeout: 180_000 });
  const notes = await page.getByTestId('note').textContent();
  assert.match(notes, /conv-ae\.bpk/, 'the bad file is named');
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  const before = await page.locator('#cae-chosen-canvas').evaluate((c) => Number(c.dataset.draws ?? 0));
  await strokeOn(page, 'draw-canvas', [[140, 45], [140, 235]], 280);
  await page.waitForFunction((n) => Number(document.querySelector('#cae-chosen-canvas').dataset.draws ?? 0) > n, before);
  assert.ok(Number(await page.getByTestId('jacobian-norm').evaluate((e) => e.dataset.value)) > 0, 'the read-out still works');
  await page.close();
});
