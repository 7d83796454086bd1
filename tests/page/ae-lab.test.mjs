// Page tests of the auto-encoder lab (?demo=ae-lab): draw with pointer events and compare the
// deep AE's and PCA's rebuilds, move the components slider, drag the decoder's box on the 2-D
// map, sample codes near 0, and search by code and by pixels once the index is built. One page
// serves every test: its background measurement (the test-set figures) runs while they do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, openDemo, artefacts, canvasInk, frame, squaredError, strokeOn, settle, draws, drawn, digit, total,
  openRecordingFetches, reachSection } from './browser.mjs';

const env = serveAndLaunch();
const errors = [];
let opened = null;
const lab = () => {
  opened ??= openDemo(env.browser, `${env.server.url}?demo=ae-lab&backend=cpu`, 'ae-lab', { errors });
  return opened;
};

const meanChange = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
// "48 of 64 cells (75.0 %) read as a digit …" → [48, 64].
const confidentOf = (text) => {
  const match = /(\d+) of (\d+) (?:cells|samples) \([\d.]+ %\) read as a digit/.exec(text);
  assert.ok(match, `a share is shown: ${text}`);
  return [Number(match[1]), Number(match[2])];
};

// A 0 on the 280-pixel pad: an upright ellipse.
const zero = Array.from({ length: 41 }, (_, i) => {
  const angle = (i / 40) * 2 * Math.PI;
  return [140 + 55 * Math.sin(angle), 140 - 85 * Math.cos(angle)];
});

async function drawZero(page) {
  await page.getByTestId('lab-clear').click();
  const before = await draws(page, 'deep-recon-canvas');
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded(); // mouse positions are the viewport's
  await strokeOn(page, 'draw-canvas', zero, 280);
  await drawn(page, 'deep-recon-canvas', before);
  await settle(page);
}

test('the 2-D auto-encoders and the training digits are not fetched until a section below comes near; then they load', async () => {
  // 1200 × 600: the test-set figure starts about 320 px below the fold, beyond the quarter screen.
  const { page, fetched } = await openRecordingFetches(env, 'ae-lab', { height: 600 });
  assert.ok(fetched.includes('/www/weights/deep-ae.bpk'), 'the deep auto-encoder is fetched before data-ready');
  const later = ['/www/weights/ae2d.bpk', '/www/weights/ae2d-l2.bpk', '/www/data/mnist_train_10k.bin.gz'];
  assert.deepEqual(later.filter((path) => fetched.includes(path)), [], 'the 2-D auto-encoders and the training digits wait');
  assert.equal(await page.locator('#lab-maps').getAttribute('data-ready'), 'false');
  assert.equal(await draws(page, 'decoder-grid'), 0, 'no decoder grid yet');
  assert.equal(await draws(page, 'deep-recon-canvas'), 1, 'the first section shows its rebuilds');
  await reachSection(page, page.getByTestId('ae2d-scatter'), 'lab-maps', 120_000);
  assert.deepEqual(later.filter((path) => !fetched.includes(path)), [], 'fetched once the maps are near');
  assert.ok(await draws(page, 'decoder-grid') > 0, 'the decoder grid is drawn');
  await page.close();
});

test('a drawn digit: both rebuild it, the deep auto-encoder closer than PCA', async () => {
  const page = await lab();
  const repeated = await page.evaluate(() => {
    const seen = {};
    for (const element of document.querySelectorAll('[data-testid]')) seen[element.dataset.testid] = (seen[element.dataset.testid] ?? 0) + 1;
    return Object.entries(seen).filter(([, n]) => n > 1).map(([id]) => id);
  });
  assert.deepEqual(repeated, [], 'every data-testid is unique in the page (the other demos\' sections are removed)');
  await drawZero(page);
  await page.screenshot({ path: `${artefacts}/ae-lab-drawn.png`, fullPage: true });
  const input = await digit(page, 'lab-input-canvas');
  const deep = await digit(page, 'deep-recon-canvas');
  const pca = await digit(page, 'pca-recon-canvas');
  for (const [name, image] of [['input', input], ['deep AE', deep], ['PCA', pca]]) {
    assert.ok(total(image) > 20, `${name} has ink (${total(image).toFixed(1)})`);
    assert.ok(image[14 * 28 + 14] < 0.35, `${name}: the 0's hole is empty`);
  }
  const deepError = squaredError(input, deep);
  const pcaError = squaredError(input, pca);
  const shown = { deep: Number(await page.locator('#deep-error').textContent()), pca: Number(await page.locator('#pca-error').textContent()) };
  console.log(`drawn 0: error from the canvases deep AE ${deepError.toFixed(2)}, PCA (30) ${pcaError.toFixed(2)}; shown ${shown.deep}, ${shown.pca}`);
  // The deep AE's output is a sigmoid's, in [0, 1], as the canvas shows it; PCA's rebuild can
  // leave [0, 1] and its error counts that, so the clipped canvas can only be closer.
  assert.ok(Math.abs(deepError - shown.deep) < 0.6, 'the deep AE\'s error shown is its canvas\'s');
  assert.ok(shown.pca > pcaError - 0.6, 'PCA\'s error shown is at least its clipped canvas\'s');
  assert.ok(deepError < pcaError, `the deep AE's rebuild is closer to the input than PCA's (${deepError.toFixed(2)} < ${pcaError.toFixed(2)})`);
});

test('the components slider changes PCA\'s rebuild', async () => {
  const page = await lab();
  await settle(page);
  const before = await digit(page, 'pca-recon-canvas');
  const deepBefore = await digit(page, 'deep-recon-canvas');
  const count = await draws(page, 'pca-recon-canvas');
  await page.getByTestId('pca-components').fill('3');
  await drawn(page, 'pca-recon-canvas', count);
  await settle(page);
  const after = await digit(page, 'pca-recon-canvas');
  assert.equal(await page.locator('#pca-k').textContent(), '3 components');
  assert.equal(await page.locator('#pca-components-value').textContent(), '3');
  const change = meanChange(before, after);
  console.log(`PCA 30 → 3 components: rebuild changed by ${(255 * change).toFixed(1)} grey levels on average; error ${await page.locator('#pca-error').textContent()}`);
  assert.ok(change > 0.01, 'fewer components, another rebuild');
  assert.deepEqual(await digit(page, 'deep-recon-canvas'), deepBefore, 'the deep AE\'s rebuild stays');
  await page.getByTestId('pca-components').fill('30');
  await settle(page);
});

test('the decoder grid follows the box; the L2 switch and codes near 0', async () => {
  const page = await lab();
  await settle(page);
  const grid = await canvasInk(page, 'decoder-grid');
  const [rows, cols, scale] = [Number(grid.rows), Number(grid.cols), Number(grid.scale)];
  assert.equal(grid.width, cols * 28 * scale, 'width = data-cols · 28 · data-scale');
  assert.equal(grid.height, rows * 28 * scale, 'height = data-rows · 28 · data-scale');
  // Cell (r, c) downsampled to 28×28: a strip of `cols` frames starting at row r.
  const cell = (g, r, c) => frame({ ...g, ink: g.ink.slice(r * 28 * scale * g.width, (r + 1) * 28 * scale * g.width) }, c);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) assert.ok(total(cell(grid, r, c)) > 5, `cell (${r}, ${c}) has content`);
  }

  // The L2 switch at the page's default box, [−2, 2]² as 8×8 cells: the grid the native test
  // reads (tests/ae_lab.rs: plain 75.0 % = 48 of 64 cells, L2 82.8 % = 53 of 64). The same
  // weights and codes in the page: within one cell of each, the penalised decoder ahead.
  assert.equal(await page.getByTestId('ae2d-scatter').getAttribute('data-box'), '-2.000,-2.000,2.000,2.000', 'the default box');
  assert.equal(rows * cols, 64, 'an 8×8 grid');
  const plainGrid = confidentOf(await page.getByTestId('decoder-share').textContent());
  const switched = await draws(page, 'decoder-grid');
  await page.getByTestId('decoder-l2').check();
  await drawn(page, 'decoder-grid', switched);
  await settle(page);
  const l2Grid = confidentOf(await page.getByTestId('decoder-share').textContent());
  console.log(`grid over [-2, 2]², read as digits: plain ${plainGrid[0]} of 64, L2 penalty ${l2Grid[0]} of 64 (native 48, 53)`);
  assert.ok(Math.abs(plainGrid[0] - 48) <= 1, `the plain decoder's grid share is the native one (${plainGrid[0]} of 64, native 48)`);
  assert.ok(Math.abs(l2Grid[0] - 53) <= 1, `the penalised decoder's grid share is the native one (${l2Grid[0]} of 64, native 53)`);
  assert.ok(l2Grid[0] > plainGrid[0], 'with the L2 penalty more of the grid reads as digits');
  const unswitched = await draws(page, 'decoder-grid');
  await page.getByTestId('decoder-l2').uncheck();
  await drawn(page, 'decoder-grid', unswitched);
  await settle(page);
  assert.deepEqual(confidentOf(await page.getByTestId('decoder-share').textContent()), plainGrid, 'switched back, the plain share again');

  // Drag the box with the mouse.
  const map = page.getByTestId('ae2d-scatter');
  await map.scrollIntoViewIfNeeded(); // mouse positions are the viewport's
  const place = await map.boundingBox();
  const [left, top, right, bottom] = (await map.getAttribute('data-box-pixels')).split(',').map(Number);
  const width = await map.evaluate((canvas) => canvas.width);
  const css = (px, py) => [place.x + (px / width) * place.width, place.y + (py / width) * place.height];
  const boxBefore = await map.getAttribute('data-box');
  const count = await draws(page, 'decoder-grid');
  const [cx, cy] = css((left + right) / 2 - 8, (top + bottom) / 2 - 8); // the middle, off the handle
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + 50, cy - 30, { steps: 6 });
  await page.mouse.up();
  await drawn(page, 'decoder-grid', count);
  await settle(page);
  const moved = await canvasInk(page, 'decoder-grid');
  const boxAfter = await map.getAttribute('data-box');
  const [b0, a0] = [boxBefore, boxAfter].map((text) => text.split(',').map(Number));
  console.log(`box ${boxBefore} → ${boxAfter}; ${await page.getByTestId('decoder-share').textContent()}`);
  assert.ok(a0[0] > b0[0] && a0[1] > b0[1], 'the box moved right and up');
  assert.ok(Math.abs((a0[2] - a0[0]) - (b0[2] - b0[0])) < 1e-2, 'moving keeps its size');
  assert.ok(meanChange(grid.ink, moved.ink) > 0.02, 'the decoded grid changed');
  await page.screenshot({ path: `${artefacts}/ae-lab-decoder.png`, fullPage: true });

  // Arrow keys move it too.
  const keyed = await draws(page, 'decoder-grid');
  await map.focus();
  await page.keyboard.press('ArrowLeft');
  await drawn(page, 'decoder-grid', keyed);
  assert.notEqual(await map.getAttribute('data-box'), boxAfter, 'an arrow key moves the box');

  // Hovering the PCA map shows the digit there.
  const previewed = await draws(page, 'map-preview');
  await page.getByTestId('pca2d-scatter').hover({ position: { x: place.width * 0.45, y: place.height * 0.5 } });
  await drawn(page, 'map-preview', previewed);
  assert.ok(total(await digit(page, 'map-preview')) > 20, 'the hovered digit is shown');
  assert.match(await page.locator('#map-preview-caption').textContent(), /labelled \d/);

  // Codes near 0, through the plain decoder, then the same codes through the penalised one.
  await page.getByTestId('decoder-sample-prior').click();
  await page.waitForFunction(() => /of 16 samples/.test(document.querySelector('[data-testid=decoder-samples-share]').textContent));
  const plain = await page.getByTestId('decoder-samples-share').textContent();
  const gridCount = await draws(page, 'decoder-grid');
  const sampled = await draws(page, 'decoder-samples');
  await page.getByTestId('decoder-l2').check();
  await drawn(page, 'decoder-grid', gridCount);
  await drawn(page, 'decoder-samples', sampled);
  await settle(page);
  const penalised = await page.getByTestId('decoder-samples-share').textContent();
  assert.match(await page.locator('#ae2d-caption').textContent(), /L2 penalty/);
  console.log(`codes near 0, plain AE: ${plain}`);
  console.log(`codes near 0, L2 penalty: ${penalised}`);
  console.log(`grid with the L2 penalty: ${await page.getByTestId('decoder-share').textContent()}`);
  // The same 16 codes (seed 1) through each decoder. Natively 1,000 codes from N(0, I) read as
  // digits 70.5 % (plain) and 76.4 % (L2); 16 of them give a share within 3 binomial standard
  // errors (±34 and ±32 points): at least 6 of 16 plain, 8 of 16 penalised.
  for (const text of [plain, penalised]) assert.match(text, /codes drawn with seed 1,/, 'the same codes both times');
  const [plainSamples, l2Samples] = [confidentOf(plain), confidentOf(penalised)];
  assert.equal(plainSamples[1], 16);
  assert.equal(l2Samples[1], 16);
  assert.ok(plainSamples[0] >= 6, `codes near 0 decode to digits through the plain decoder (${plainSamples[0]} of 16)`);
  assert.ok(l2Samples[0] >= 8, `codes near 0 decode to digits through the penalised decoder (${l2Samples[0]} of 16)`);
  await page.screenshot({ path: `${artefacts}/ae-lab-samples.png`, fullPage: true });
  await page.getByTestId('decoder-l2').uncheck();
  await settle(page);
});

test('search by code and by pixels; the page\'s test-set figures', async () => {
  const page = await lab();
  await drawZero(page);
  // The measurement runs in the background from the start (about 30–60 s on 2 CPU threads).
  await page.waitForFunction(() => /precision@10 over/.test(document.querySelector('[data-testid=search-precision]').textContent), null, { timeout: 240_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=search-by-code]').dataset.draws ?? 0) > 0
    && Number(document.querySelector('[data-testid=search-by-pixels]').dataset.draws ?? 0) > 0, null, { timeout: 60_000 });
  await settle(page);
  await page.screenshot({ path: `${artefacts}/ae-lab-search.png`, fullPage: true });
  for (const [testid, labels] of [['search-by-code', 'search-code-labels'], ['search-by-pixels', 'search-pixel-labels']]) {
    const strip = await canvasInk(page, testid);
    const frames = Number(strip.frames);
    assert.equal(frames, 10);
    assert.equal(strip.width, frames * 28 * Number(strip.scale), `${testid}: frames of 28×28 at data-scale, no gaps`);
    for (let k = 0; k < frames; k += 1) assert.ok(total(frame(strip, k)) > 10, `${testid}: frame ${k} has ink`);
    const shown = await page.locator(`#${labels} span`).allTextContents();
    assert.equal(shown.length, frames, `${testid}: a label under each frame`);
    console.log(`${testid}: labels ${shown.join(' ')}`);
  }
  const precision = await page.getByTestId('search-precision').textContent();
  const summary = await page.getByTestId('lab-summary').textContent();
  console.log(precision);
  console.log(summary);
  const figures = [...precision.matchAll(/([\d.]+) %/g)].map((m) => Number(m[1]));
  assert.equal(figures.length, 3, 'three precisions');
  assert.match(precision, /over the 10,000 test digits, searching the 10,000 training digits/);
  // The page searches what the native test searches (tests/ae_lab.rs: code 94.04 %, pixels
  // 90.21 %, 30 bits 81.44 %); the same weights in f32 in the page: within half a point.
  const [byCode, byPixels, byBits] = figures;
  for (const [name, value, native] of [['code', byCode, 94.04], ['pixels', byPixels, 90.21], ['30 bits', byBits, 81.44]]) {
    assert.ok(Math.abs(value - native) <= 0.5, `precision@10 by ${name} ${value} % (native ${native} %)`);
  }
  assert.ok(byCode > byPixels, `searching by code finds more of the same digit than by pixels (${byCode} % > ${byPixels} %)`);
  assert.match(summary, /deep AE \(30-D code\) [\d.]+, PCA with 30 components [\d.]+/);
  assert.equal(await page.getByTestId('lab-error-chart').getAttribute('data-points'), '200', 'PCA\'s error for k = 1…200 is charted');
  if (errors.length) console.log(`page errors: ${errors.join(' | ')}`);
});
