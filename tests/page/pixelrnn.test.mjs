// Page tests of the PixelRNN demo (?demo=pixelrnn): paint at full speed and watch the raster
// order, compare seeds and models, complete a drawn top half; judge the canvases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, openDemo, artefacts, frameProbe, canvasInk, frame, strokeOn } from './browser.mjs';

const env = serveAndLaunch();
const open = (query = '') => openDemo(env.browser, `${env.server.url}?demo=pixelrnn&backend=cpu${query}`, 'pixelrnn');
// The page's colour for a pixel not yet painted (neither ink nor background).
const UNPAINTED = [71, 85, 105];

// The painting canvas read at the centre of each of its 28×28 cells: [r, g, b] per pixel.
const cells = (page) => page.evaluate(() => {
  const canvas = document.querySelector('[data-testid=pixel-canvas]');
  const scale = Number(canvas.dataset.scale);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  return Array.from({ length: 784 }, (_, p) => {
    const at = ((Math.floor(p / 28) * scale + scale / 2) * canvas.width + (p % 28) * scale + scale / 2) * 4;
    return [data[at], data[at + 1], data[at + 2]];
  });
});
const unpainted = ([r, g, b]) => r === UNPAINTED[0] && g === UNPAINTED[1] && b === UNPAINTED[2];

async function fullSpeed(page) {
  await page.getByTestId('pixel-speed').fill('10');
}

// Paints one digit at full speed and returns its cells once `pixel-progress` says 784.
async function paint(page, { seed, model = 'binary' }) {
  await page.getByTestId('pixel-model').selectOption(model);
  if (seed != null) await page.getByTestId('pixel-seed').fill(String(seed));
  await page.getByTestId('pixel-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=pixel-progress]').textContent === '784 / 784', null, { timeout: 120_000 });
  return cells(page);
}

test('painting at full speed fills the canvas in raster order and reaches 784 without freezing the page', async () => {
  const page = await open('&pixel-seed=5');
  assert.equal(Number(await page.getByTestId('pixel-canvas').getAttribute('data-scale')) * 28, 280);
  await fullSpeed(page);
  // Catch the canvas mid-way: on the first animation frame with 200–600 pixels painted.
  const midway = page.evaluate(() => new Promise((resolve) => {
    const canvas = document.querySelector('[data-testid=pixel-canvas]');
    const look = () => {
      const painted = Number(canvas.dataset.painted ?? 0);
      if (painted >= 200 && painted <= 600) {
        const scale = Number(canvas.dataset.scale);
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        const colours = Array.from({ length: 784 }, (_, p) => {
          const at = ((Math.floor(p / 28) * scale + scale / 2) * canvas.width + (p % 28) * scale + scale / 2) * 4;
          return [data[at], data[at + 1], data[at + 2]];
        });
        resolve({ painted, progress: document.querySelector('[data-testid=pixel-progress]').textContent, colours });
      } else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  }));
  await frameProbe(page);
  await page.getByTestId('pixel-start').click();
  const mid = await midway;
  assert.equal(mid.progress, `${mid.painted} / 784`);
  for (let p = 0; p < 784; p += 1) {
    assert.equal(unpainted(mid.colours[p]), p >= mid.painted, `mid-way (${mid.painted} painted): pixel ${p} ${p < mid.painted ? 'is painted' : 'waits'}`);
  }
  const row = Math.floor(mid.painted / 28);
  assert.ok(mid.colours.slice((row + 1) * 28).every(unpainted), 'the rows below the current one are still unpainted');
  await page.waitForFunction(() => document.querySelector('[data-testid=pixel-progress]').textContent === '784 / 784', null, { timeout: 120_000 });
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  const done = await cells(page);
  await page.screenshot({ path: `${artefacts}/pixelrnn-painted.png`, fullPage: true });
  assert.ok(!done.some(unpainted), 'every pixel painted');
  assert.ok(done.every(([r]) => r === 0 || r === 255), 'the binary model paints black or white');
  const ink = done.filter(([r]) => r === 255).length;
  assert.ok(ink > 30 && ink < 400, `a digit's worth of ink (${ink} pixels)`);
  const rate = await page.locator('#pixel-rate').textContent();
  console.log(`PixelRNN painting at full speed (CPU): ${rate}; longest frame gap ${gap.toFixed(0)} ms`);
  assert.ok(gap < 200, `no frame gap over 200 ms while painting (${gap.toFixed(0)} ms)`);
  await page.close();
});

test('a seed repeats its digit and two seeds give different digits', async () => {
  const page = await open();
  await fullSpeed(page);
  const first = await paint(page, { seed: 1 });
  const again = await paint(page, { seed: 1 });
  const second = await paint(page, { seed: 2 });
  const differing = first.filter(([r], p) => r !== second[p][0]).length;
  assert.deepEqual(again, first, 'the same seed paints the same digit');
  assert.ok(differing > 20, `seeds 1 and 2 paint different digits (${differing} pixels differ)`);
  await page.waitForFunction(() => /pixel-seed=2\b/.test(location.search), null, { timeout: 5000 }); // the seed is in the URL
  await page.close();
});

test('grey levels as classes paint crisp levels; the regression model paints washed-out grey', async () => {
  const page = await open();
  await fullSpeed(page);
  const levels = await paint(page, { seed: 3, model: 'levels4' });
  await page.screenshot({ path: `${artefacts}/pixelrnn-levels4.png` });
  const regression = await paint(page, { model: 'regression' });
  await page.screenshot({ path: `${artefacts}/pixelrnn-regression.png` });
  assert.ok(levels.every(([r]) => [0, 85, 170, 255].includes(r)), 'the 4-level model paints one of its 4 levels');
  const grey = (image) => image.filter(([r]) => r > 40 && r < 215).length;
  const strong = (image) => image.filter(([r]) => r >= 215).length;
  console.log(`4 levels: ${grey(levels)} grey and ${strong(levels)} near-white pixels; regression: ${grey(regression)} grey and ${strong(regression)} near-white`);
  assert.ok(strong(levels) > 20, 'the 4-level model paints full strokes');
  assert.ok(grey(regression) > strong(regression), 'the regression model paints more grey than full ink');
  await page.close();
});

test('completing a drawn top half keeps the visible rows exactly', async () => {
  const page = await open('&pixel-rows=14');
  // A 7-ish: a bar across the top and a stroke down.
  await strokeOn(page, 'pixel-draw', [[30, 30], [110, 30], [80, 80], [60, 125]]);
  await page.getByTestId('pixel-complete').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=pixel-completions]').dataset.done === 'true', null, { timeout: 120_000 });
  await page.screenshot({ path: `${artefacts}/pixelrnn-completions.png`, fullPage: true });
  const strip = await canvasInk(page, 'pixel-completions');
  const input = frame({ ...(await canvasInk(page, 'pixel-input')), scale: 4 }, 0);
  const frames = Number(strip.frames);
  assert.equal(frames, 4);
  assert.equal(strip.width, frames * 28 * Number(strip.scale), 'frames of 28×28 at data-scale, no gaps');
  const kept = input.slice(0, 14 * 28);
  assert.ok(kept.filter((v) => v === 1).length > 10, 'the visible rows hold the drawing');
  const completed = Array.from({ length: frames }, (_, k) => frame(strip, k));
  for (const [k, image] of completed.entries()) {
    assert.deepEqual(image.slice(0, 14 * 28), kept, `completion ${k} keeps the 14 visible rows exactly`);
  }
  const distinct = new Set(completed.map((image) => image.slice(14 * 28).join())).size;
  assert.ok(distinct >= 2, `the seeds complete differently (${distinct} distinct)`);
  await page.close();
});
