// Page tests of the PixelRNN demo (?demo=pixelrnn): paint at full speed and watch the raster
// order, compare seeds and models, complete a drawn top half; judge the canvases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, openDemo, artefacts, frameProbe, canvasInk, frame, strokeOn } from './browser.mjs';

const env = serveAndLaunch();
const open = (query = '') => openDemo(env.browser, `${env.server.url}?demo=pixelrnn&backend=cpu${query}`, 'pixelrnn');
// The page's colour for a pixel not yet painted (neither ink nor background).
const UNPAINTED = [71, 85, 105];
// The binary model's NLL on the first 200 test digits, each binarised with seed 7: 80.29 natively
// (`scripts/lab train pixelrnn --model binary --resume --steps 10000 --final-test-digits 200` on
// the step-10,000 checkpoint, which writes the shipped weights without training; the mixture over
// the labels). The page computes the same digits, binarisation and f16 weights in f32, so the bar
// is two-sided: within 0.5 nats, as for the VAE's bound in the page.
const PAGE_NLL = 80.29;
const PAGE_NLL_TOLERANCE = 0.5;

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

// Ten paintings of a chosen 7 (seeds 1–10, the default temperature): how many must read as a 7
// (confident ≥ 0.9, MNIST-like, label 7). The page paints what the native sampler paints for the
// same seeds; natively 6 of these 10 read as a 7 with the step-10,000 weights (tests/judge.rs prints
// each digit's count), so the bar is one under.
const SEVENS_READ_BAR = 5;

test('a chosen digit is painted as that digit, and "any digit" says which it drew', async () => {
  const page = await open();
  await fullSpeed(page);
  await page.getByTestId('pixel-label').selectOption('7');
  let sevens = 0;
  for (let seed = 1; seed <= 10; seed += 1) {
    await paint(page, { seed });
    assert.match(await page.locator('#pixel-painting-label').textContent(), /^a 7, as chosen/);
    const reading = await page.getByTestId('pixel-reading').evaluate((out) => ({ ...out.dataset, text: out.textContent }));
    console.log(`chosen 7, seed ${seed}: ${reading.text}`);
    assert.ok(reading.label != null && reading.confidence != null, 'the finished painting is read');
    if (reading.readsAsDigit === 'true' && Number(reading.label) === 7) sevens += 1;
  }
  await page.screenshot({ path: `${artefacts}/pixelrnn-chosen.png`, fullPage: true });
  assert.ok(sevens >= SEVENS_READ_BAR, `${sevens} of 10 chosen 7s read as a 7 (bar ${SEVENS_READ_BAR})`);
  await page.getByTestId('pixel-label').selectOption('5');
  await page.waitForFunction(() => /pixel-label=5\b/.test(location.search), null, { timeout: 5000 }); // the digit is in the URL

  // Any digit: the label is drawn from the seed and said; the same seed draws the same label.
  await page.getByTestId('pixel-label').selectOption('any');
  const anyFirst = await paint(page, { seed: 9 });
  const said = await page.locator('#pixel-painting-label').textContent();
  assert.match(said, /^a \d: any digit, the label drawn from the seed/);
  assert.deepEqual(await paint(page, { seed: 9 }), anyFirst, 'the same seed paints the same digit');
  assert.equal(await page.locator('#pixel-painting-label').textContent(), said);

  // The grey-level models have no labels: the select is off for them.
  await page.getByTestId('pixel-model').selectOption('levels4');
  assert.ok(await page.getByTestId('pixel-label').isDisabled(), 'the 4-level model paints any digit only');
  await page.close();
});

// Completes the pad's drawing with `model` from 14 rows; returns the four completions (28×28 each).
async function complete(page, model) {
  await page.getByTestId('pixel-model').selectOption(model);
  await page.getByTestId('pixel-complete').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=pixel-completions]').dataset.done === 'true', null, { timeout: 120_000 });
  const strip = await canvasInk(page, 'pixel-completions');
  return { strip, frames: Array.from({ length: Number(strip.frames) }, (_, k) => frame(strip, k)) };
}

const drawSeven = (page) => strokeOn(page, 'pixel-draw', [[30, 30], [110, 30], [80, 80], [60, 125]]);

test('grey levels as classes paint crisp levels; the regression model completes in washed-out grey', async () => {
  const page = await open('&pixel-rows=14');
  await fullSpeed(page);
  const levels = await paint(page, { seed: 3, model: 'levels4' });
  await page.screenshot({ path: `${artefacts}/pixelrnn-levels4.png` });
  assert.ok(levels.every(([r]) => [0, 85, 170, 255].includes(r)), 'the 4-level model paints one of its 4 levels');
  assert.ok(levels.filter(([r]) => r === 255).length > 20, 'the 4-level model paints full strokes');
  await drawSeven(page);
  const shares = (frames) => {
    const below = frames.flatMap((image) => image.slice(14 * 28));
    return [below.filter((v) => v > 0.15 && v < 0.85).length, below.filter((v) => v >= 0.85).length];
  };
  const [levelsGrey, levelsInk] = shares((await complete(page, 'levels4')).frames);
  const [regressionGrey, regressionInk] = shares((await complete(page, 'regression')).frames);
  await page.screenshot({ path: `${artefacts}/pixelrnn-regression.png`, fullPage: true });
  console.log(`completing a drawn 7 from 14 rows, grey / near-white pixels below: 4 levels ${levelsGrey} / ${levelsInk}, regression ${regressionGrey} / ${regressionInk}`);
  assert.ok(regressionGrey > regressionInk, 'the regression model continues the digit in more grey than ink');
  assert.ok(regressionGrey / Math.max(regressionInk, 1) > levelsGrey / Math.max(levelsInk, 1), 'and greyer than the 4-level model');
  await page.close();
});

test('completing a drawn top half keeps the visible rows exactly', async () => {
  const page = await open('&pixel-rows=14');
  await drawSeven(page);
  const { strip, frames: completed } = await complete(page, 'binary');
  await page.screenshot({ path: `${artefacts}/pixelrnn-completions.png`, fullPage: true });
  const input = frame({ ...(await canvasInk(page, 'pixel-input')), scale: 4 }, 0);
  const frames = completed.length;
  assert.equal(frames, 4);
  assert.equal(strip.width, frames * 28 * Number(strip.scale), 'frames of 28×28 at data-scale, no gaps');
  const kept = input.slice(0, 14 * 28);
  assert.ok(kept.filter((v) => v === 1).length > 10, 'the visible rows hold the drawing');
  for (const [k, image] of completed.entries()) {
    assert.deepEqual(image.slice(0, 14 * 28), kept, `completion ${k} keeps the 14 visible rows exactly`);
  }
  const distinct = new Set(completed.map((image) => image.slice(14 * 28).join())).size;
  assert.ok(distinct >= 2, `the seeds complete differently (${distinct} distinct)`);
  await page.close();
});

test('a corrupt weights file is named and the other models still paint', async () => {
  const context = await env.browser.newContext();
  await context.route('**/www/weights/pixelrnn-regression.bpk', (route) => route.fulfill({ body: Buffer.from('not weights') }));
  const page = await openDemo(context, `${env.server.url}?demo=pixelrnn&backend=cpu`, 'pixelrnn');
  assert.match(await page.getByTestId('note').textContent(), /pixelrnn-regression\.bpk/);
  await fullSpeed(page);
  const image = await paint(page, { seed: 1 });
  assert.ok(!image.some(unpainted), 'the binary model, whose file was fine, paints a whole digit');
  await context.close();
});

test('the page measures the binary model\'s NLL on test digits', async () => {
  const page = await open();
  await frameProbe(page);
  await page.locator('#pixel-nll-run').click();
  // Measured a chunk of digits at a time: the figure grows until all 200 are in.
  await page.waitForFunction(() => document.querySelector('[data-testid=pixel-nll]').dataset.done === 'true', null, { timeout: 300_000 });
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  assert.ok(gap < 200, `no frame gap over 200 ms while measuring (${gap.toFixed(0)} ms)`);
  const text = await page.getByTestId('pixel-nll').textContent();
  console.log(`in the page: ${text}`);
  const [, nats, digits, seed] = text.match(/^([\d.]+) nats per image on the first (\d+) test digits \(binarised with seed (\d+)\)/) ?? [];
  assert.deepEqual([digits, seed], ['200', '7'], `the first 200 test digits, binarised with seed 7 (${text})`);
  assert.ok(Math.abs(Number(nats) - PAGE_NLL) <= PAGE_NLL_TOLERANCE, `NLL ${nats} on 200 test digits: the measured ${PAGE_NLL} within ${PAGE_NLL_TOLERANCE}`);
  await page.close();
});
