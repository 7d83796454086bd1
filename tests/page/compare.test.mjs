// Page tests of the comparison demo (?demo=compare): the four grids and the table fill, new
// samples come without an animation-frame gap over 200 ms, and a picked sample is shown beside
// its nearest training digit at the distance the caption gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, openDemo, artefacts, frameProbe, canvasInk } from './browser.mjs';

const env = serveAndLaunch();
const SOURCES = ['pixelrnn', 'vae', 'gan', 'real'];
const TABLE_ROWS = 6;
const FRAME_GAP_MS = 200;
// A cell with less ink than this (summed over its 784 pixels in [0, 1]) counts as empty; a
// real digit holds about 100.
const EMPTY_CELL = 5;
// Cells of 32 with ink, at least: every real digit, nearly every VAE and GAN sample; the interim
// PixelRNN weights paint some near-empty canvases (6 of 32 for seed 1 when this was written), so
// its bar is loose: half of the grid.
const INKED_CELLS = { pixelrnn: 16, vae: 28, gan: 28, real: 32 };
// Cells of 32 that change with new samples, at least (an empty PixelRNN canvas may come twice).
const NEW_CELLS = { pixelrnn: 16, vae: 30, gan: 30, real: 30 };

const finished = (page) => page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'true', null, { timeout: 180_000 });

// A grid's cells, each as 784 values in [0, 1] (one pixel of each data-scale block).
async function cells(page, source) {
  const grid = await canvasInk(page, `compare-grid-${source}`);
  const [rows, cols, scale] = [grid.rows, grid.cols, grid.scale].map(Number);
  assert.equal(grid.width, cols * 28 * scale, `${source}: ${cols} columns of 28 × 28 at scale ${scale}`);
  assert.equal(grid.height, rows * 28 * scale, `${source}: ${rows} rows of 28 × 28 at scale ${scale}`);
  return Array.from({ length: rows * cols }, (_, k) => Array.from({ length: 784 }, (_, p) => {
    const [x, y] = [(k % cols) * 28 + (p % 28), Math.floor(k / cols) * 28 + Math.floor(p / 28)];
    return grid.ink[y * scale * grid.width + x * scale];
  }));
}
const inkOf = (image) => image.reduce((a, b) => a + b, 0);
const grey = (image) => image.filter((v) => v > 0.2 && v < 0.8).length / image.length;

// The table's rows as the text of their cells (a cell's own text: not its histogram's labels).
const tableRows = (page, part = 'tBodies[0]') => page.getByTestId('compare-table').evaluate((table, path) => {
  const section = path === 'all' ? table : table.tBodies[0];
  return Array.from(section.rows, (row) => Array.from(row.cells, (cell) => cell.firstChild?.textContent.trim() ?? ''));
}, part);
// The table as text, a row per line, for the log (docs/figures.md quotes it).
const tableText = async (page) => (await tableRows(page, 'all')).map((row) => row.join(' | ')).join('\n');

test('the compare page fills all four grids and the table; new samples come with no animation-frame gap over 200 ms', async () => {
  const errors = [];
  const page = await openDemo(env.browser, `${env.server.url}?demo=compare&backend=cpu`, 'compare', { errors });
  await finished(page);
  const first = {};
  for (const source of SOURCES) {
    first[source] = await cells(page, source);
    assert.equal(first[source].length, 32, `${source}: 4 × 8 samples`);
    const inked = first[source].filter((cell) => inkOf(cell) >= EMPTY_CELL).length;
    assert.ok(inked >= INKED_CELLS[source], `${source}: ${inked} of 32 cells with ink`);
  }
  // The binary PixelRNN paints black or white; the VAE's decoder means are grey at the edges.
  assert.ok(first.pixelrnn.flat().every((v) => v === 0 || v === 1), 'the PixelRNN grid is black and white');
  const vaeGrey = grey(first.vae.flat());
  assert.ok(vaeGrey > 0.05, `the VAE grid is ${(100 * vaeGrey).toFixed(1)} % grey`);

  const table = page.getByTestId('compare-table');
  assert.equal(Number(await table.getAttribute('data-rows')), TABLE_ROWS);
  const rows = await tableRows(page);
  assert.equal(rows.length, TABLE_ROWS);
  for (const row of rows) {
    assert.equal(row.length, 2 + SOURCES.length, `a figure, four cells and a sentence: ${row.join(' | ')}`);
    assert.ok(row.every((cell) => cell.length > 0), `no empty cell: ${row.join(' | ')}`);
    assert.match(row.at(-1), /\.$/, 'a sentence');
  }
  assert.match(rows[0][4], /^\d+ %$/, 'real digits read as digits: a share');
  assert.ok(Number(rows[0][4].split(' ')[0]) >= 80, `real test digits read as digits ${rows[0][4]}`);
  assert.equal(await table.locator('.histogram.small').count(), SOURCES.length, 'a histogram per column');
  console.log(`seed ${await page.evaluate(() => window.latentLab.state['compare-seed'])}:\n${await tableText(page)}`);

  // New samples: another seed, every grid redrawn, measured while the page keeps drawing frames.
  const seed = await page.evaluate(() => window.latentLab.state['compare-seed']);
  await frameProbe(page);
  // The longest of the worker's steps, from request to reply (printed: a loaded machine stretches it).
  await page.evaluate(() => {
    const { worker } = window.latentLab;
    const call = worker.call.bind(worker);
    window.__longestStep = 0;
    worker.call = async (session, method, ...rest) => {
      const started = performance.now();
      const result = await call(session, method, ...rest);
      const took = performance.now() - started;
      if (method === 'step' && took > window.__longestStep) [window.__longestStep, window.__longestStepText] = [took, result.text];
      return result;
    };
  });
  const clicked = Date.now();
  await page.getByTestId('compare-run').click();
  await page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'false');
  await finished(page);
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  const seconds = (Date.now() - clicked) / 1000;
  const [longestStep, longestStepText] = await page.evaluate(() => [window.__longestStep, window.__longestStepText]);
  const newSeed = await page.evaluate(() => window.latentLab.state['compare-seed']);
  assert.notEqual(newSeed, seed, 'a new seed');
  assert.match(page.url(), new RegExp(`compare-seed=${newSeed}`), 'the seed is in the URL');
  for (const source of SOURCES) {
    const now = await cells(page, source);
    const changed = now.filter((cell, k) => cell.some((v, p) => v !== first[source][k][p])).length;
    console.log(`${source}: ${changed} of 32 samples new`);
    assert.ok(changed >= NEW_CELLS[source], `${source}: ${changed} of 32 samples are new`);
  }
  console.log(`new seed ${newSeed}:\n${await tableText(page)}\nwhole comparison ${seconds.toFixed(1)} s, longest worker step ${longestStep.toFixed(0)} ms (${longestStepText}), longest animation-frame gap ${gap.toFixed(0)} ms`);
  await page.screenshot({ path: `${artefacts}/compare.png`, fullPage: true });
  assert.ok(gap <= FRAME_GAP_MS, `longest animation-frame gap ${gap.toFixed(0)} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('hovering a sample draws it beside its nearest training digit, at the distance the caption gives', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=compare&backend=cpu&compare-seed=7`, 'compare');
  await finished(page);
  for (const [source, row, col] of [['gan', 1, 2], ['vae', 3, 7], ['pixelrnn', 0, 0], ['real', 2, 5]]) {
    const grid = page.getByTestId(`compare-grid-${source}`);
    await grid.scrollIntoViewIfNeeded();
    const box = await grid.boundingBox();
    await page.mouse.move(box.x + ((col + 0.5) / 8) * box.width, box.y + ((row + 0.5) / 4) * box.height);
    const index = row * 8 + col;
    await page.waitForFunction(([s, i]) => {
      const canvas = document.querySelector('[data-testid=compare-nearest]');
      return canvas.dataset.source === s && Number(canvas.dataset.sample) === i;
    }, [source, index]);
    const pair = await canvasInk(page, 'compare-nearest');
    const half = (offset) => Array.from({ length: 784 }, (_, p) => pair.ink[Math.floor(p / 28) * pair.width + offset + (p % 28)]);
    const [sample, nearest] = [half(0), half(28)];
    assert.deepEqual(sample, (await cells(page, source))[index], `${source} ${index}: the left half is the sample`);
    assert.ok(inkOf(nearest) > 20, `${source} ${index}: the right half holds a digit`);
    const caption = await page.locator('#compare-nearest-caption').textContent();
    assert.match(caption, new RegExp(`sample ${index + 1} .*nearest of 10,000 training digits`), caption);
    const shown = Number(caption.match(/distance (\d+\.\d+)/)[1]);
    const measured = Math.sqrt(sample.reduce((sum, v, p) => sum + (v - nearest[p]) ** 2, 0));
    console.log(`${source} sample ${index + 1}: caption ${shown}, the two halves ${measured.toFixed(3)} apart`);
    // The canvas holds 8-bit pixels: within 0.05 of the distance measured on the f32 images.
    assert.ok(Math.abs(shown - measured) < 0.05, `${source} ${index}: caption ${shown}, canvases ${measured.toFixed(3)}`);
  }
  // From the keyboard, on from the sample picked last in that grid (real, row 2, column 5).
  const shown = () => page.getByTestId('compare-nearest').evaluate((c) => `${c.dataset.source} ${c.dataset.sample}`);
  await page.getByTestId('compare-grid-real').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await shown(), 'real 29');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await shown(), 'real 28');
  await page.keyboard.press('Home');
  assert.equal(await shown(), 'real 24');
  await page.screenshot({ path: `${artefacts}/compare-nearest.png`, fullPage: true });
  await page.close();
});
