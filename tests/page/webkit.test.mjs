// Page tests in WebKit (Safari's engine: Debian's WebKitGTK, driven by WebKitWebDriver over the
// W3C WebDriver protocol; tests/page/webkit.mjs). Per demo, on the CPU backend: the demo loads
// (data-ready) and does its first action as a person would — drawing with pointer actions,
// pressing buttons, typing — and the canvases show the answer. WebKitGTK has no WebGPU and no
// SharedArrayBuffer, so this is the single-threaded CPU build; the page says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer, artefacts, total, middleShare, strokeOne, strokeZero } from './browser.mjs';
import { startDriver, newSession, webkitVersion } from './webkit.mjs';

let server;
let driver;
let browser;
before(async () => {
  server = await startServer();
  driver = await startDriver();
  browser = await newSession(driver);
  console.log(`WebKitGTK ${browser.capabilities.browserVersion} (Debian package ${webkitVersion()})`);
});
after(async () => {
  await browser?.close().catch(() => {});
  driver?.stop();
  server?.close();
});

// Opens `demo` on the CPU backend and waits for data-ready; fails at once on a start-up note of
// kind "error" (www/start-check.js, or a model that could not start).
async function open(demo, query = '') {
  await browser.goto(`${server.url}?demo=${demo}&backend=cpu${query}`);
  await browser.waitFor((name) => {
    const failed = document.querySelector('[data-testid=note] [data-kind=error]');
    if (failed) throw new Error(`the page reports: ${failed.textContent}`);
    return document.querySelector(`[data-demo=${name}]`)?.dataset.ready === 'true';
  }, [demo], { timeout: 180_000, what: `${demo}: data-ready` });
  const page = await browser.evaluate(() => ({
    badge: document.querySelector('[data-testid=backend]').dataset.backend,
    threads: document.querySelector('[data-testid=backend]').dataset.threads,
    webgpu: 'gpu' in navigator,
    sharedMemory: typeof SharedArrayBuffer !== 'undefined',
  }));
  assert.equal(page.badge, 'cpu', 'the CPU backend runs');
  return page;
}

const screenshot = async (name) => writeFileSync(`${artefacts}/webkit-${name}.png`, await browser.screenshot());

// Waits until the worker owes no reply and the demo holds nothing back (www/main.js).
const settle = () => browser.waitFor(() => window.__latentLabIdle(), [], { what: 'the page to settle' });

// Draws a polyline on the pad `testid` with WebDriver pointer actions (a mouse: down, moves, up);
// the points are in the pixels of a `size`-pixel pad, whatever size it is shown at.
async function strokeOn(testid, points, size) {
  const box = await browser.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid=${id}]`);
    canvas.scrollIntoView({ block: 'center' });
    const { left, top, width, height } = canvas.getBoundingClientRect();
    return { left, top, width, height };
  }, testid);
  const at = ([x, y]) => ({
    type: 'pointerMove', origin: 'viewport', duration: 20,
    x: Math.round(box.left + (x / size) * box.width), y: Math.round(box.top + (y / size) * box.height),
  });
  await browser.actions([at(points[0]), { type: 'pointerDown', button: 0 }, ...points.slice(1).map(at), { type: 'pointerUp', button: 0 }]);
}

// How often a canvas was drawn (the demos count in data-draws); a wait for the next draw.
const draws = (testid) => browser.evaluate((id) => Number(document.querySelector(`[data-testid=${id}]`).dataset.draws ?? 0), testid);
const drawn = (testid, count, timeout = 120_000) => browser.waitFor(
  (id, n) => Number(document.querySelector(`[data-testid=${id}]`).dataset.draws ?? 0) > n, [testid, count], { timeout, what: `${testid} redrawn` },
);

// A canvas showing 28×28 images at data-scale: the first image as ink in [0, 1] (red channel).
const digit = (testid, index = 0) => browser.evaluate((id, k) => {
  const canvas = document.querySelector(`[data-testid=${id}]`);
  const scale = Number(canvas.dataset.scale ?? canvas.width / 28);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  return Array.from({ length: 784 }, (_, p) => {
    const [x, y] = [k * 28 + (p % 28), Math.floor(p / 28)];
    return data[((y * scale + Math.floor(scale / 2)) * canvas.width + x * scale + Math.floor(scale / 2)) * 4] / 255;
  });
}, testid, index);

test('auto-encoder: the page starts in WebKit and a drawn 1 is rebuilt with ink', async () => {
  const page = await open('autoencoder');
  const language = await browser.evaluate(() => navigator.language);
  console.log(`WebKit: WebGPU ${page.webgpu}, SharedArrayBuffer ${page.sharedMemory}, CPU on ${page.threads} thread(s), language ${language}`);
  await browser.evaluate(() => {
    const select = document.querySelector('[data-testid=noise-kind]');
    select.value = 'none';
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await browser.click('[data-testid=clear]');
  await strokeOn('draw-canvas', strokeOne(280), 280);
  await settle();
  const [input, rebuilt] = [await digit('input-canvas'), await digit('recon-canvas')];
  await screenshot('autoencoder');
  console.log(`drawn 1: input ink ${total(input).toFixed(1)}, rebuilt ${total(rebuilt).toFixed(1)}, middle share ${middleShare(rebuilt).toFixed(2)}`);
  assert.ok(total(input) > 10, 'the drawn 1 reached the model');
  assert.ok(total(rebuilt) > 10, 'the rebuild has ink');
  assert.ok(middleShare(rebuilt) > 0.8, 'and stands in the middle columns, as the 1 does');
});

test('GAN: one training iteration (a demo that takes threads where it can)', async () => {
  const page = await open('gan');
  // No SharedArrayBuffer here: the page runs on one thread and says why, without trying threads.
  const note = await browser.evaluate(() => document.querySelector('[data-testid=note]').textContent);
  console.log(`GAN: ${page.threads} thread(s); note: ${note}`);
  if (!page.sharedMemory) assert.match(note, /no SharedArrayBuffer/, 'the page says why the CPU runs on one thread');
  const iterations = () => browser.evaluate(() => Number(document.querySelector('[data-testid=gan-iterations]').textContent));
  const [before, samples] = [await iterations(), await draws('gan-samples')];
  await browser.click('[data-testid=gan-step]');
  await browser.waitFor((n) => Number(document.querySelector('[data-testid=gan-iterations]').textContent) === n + 1, [before], { what: 'one more iteration' });
  await drawn('gan-samples', samples);
  await screenshot('gan');
  const sample = await digit('gan-samples');
  console.log(`GAN: iteration ${before} → ${before + 1}; first sample's ink ${total(sample).toFixed(1)}`);
  assert.ok(total(sample) > 0, 'the samples are drawn');
});

test('PixelRNN: a digit painted pixel by pixel', async () => {
  await open('pixelrnn', '&pixel-seed=5');
  await browser.evaluate(() => {
    const speed = document.querySelector('[data-testid=pixel-speed]');
    speed.value = speed.max;
    speed.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await browser.click('[data-testid=pixel-start]');
  await browser.waitFor(() => document.querySelector('[data-testid=pixel-progress]').textContent === '784 / 784', [],
    { timeout: 180_000, what: 'the painting to finish' });
  await screenshot('pixelrnn');
  const painted = await digit('pixel-canvas');
  console.log(`PixelRNN: painted digit's ink ${total(painted).toFixed(1)}`);
  assert.ok(total(painted) > 20, 'the painting has strokes');
});

test('text: a typed query is answered', async () => {
  await open('text');
  const field = await browser.element('[data-testid=text-query]');
  await browser.type(field, 'the computer program has a bug in its memory');
  await browser.waitFor(() => document.querySelectorAll('[data-testid=text-results-code] li').length === 10, [], { what: '10 answers' });
  await settle();
  const answers = await browser.evaluate(() => ({
    byCode: Array.from(document.querySelectorAll('[data-testid=text-results-code] li'), (li) => li.dataset.topic),
    byWords: document.querySelectorAll('[data-testid=text-results-words] li').length,
  }));
  await screenshot('text');
  console.log(`text: topics by code ${answers.byCode.join(', ')}`);
  assert.equal(answers.byWords, 10, 'the word-count search answers too');
  assert.ok(answers.byCode.filter((topic) => topic === 'computers').length >= 5, 'most answers by code are about computers');
});

test('VAE: a drawn 1 and 0 give a decoded strip between them', async () => {
  await open('vae', '&vae-a=-1&vae-b=-1');
  await strokeOn('vae-draw-a', strokeOne(140), 140);
  const before = await draws('vae-interp-strip');
  await strokeOn('vae-draw-b', strokeZero(140), 140);
  await drawn('vae-interp-strip', before);
  await settle();
  await screenshot('vae');
  const frames = Number(await browser.evaluate(() => document.querySelector('[data-testid=vae-interp-strip]').dataset.frames));
  const [first, last] = [await digit('vae-interp-strip', 0), await digit('vae-interp-strip', frames - 1)];
  console.log(`VAE: ${frames} frames; ink first ${total(first).toFixed(1)} (middle share ${middleShare(first).toFixed(2)}), last ${total(last).toFixed(1)} (centre ${last[14 * 28 + 14].toFixed(2)})`);
  assert.ok(total(first) > 10 && total(last) > 10, 'both ends of the strip have ink');
  assert.ok(middleShare(first) > middleShare(last), 'the strip goes from the narrow 1 to the wide 0');
});

test('AE lab: a drawn 0 is rebuilt by the deep auto-encoder and PCA', async () => {
  await open('ae-lab');
  await browser.click('[data-testid=lab-clear]');
  const before = await draws('deep-recon-canvas');
  await strokeOn('draw-canvas', strokeZero(280), 280);
  await drawn('deep-recon-canvas', before);
  await settle();
  await screenshot('ae-lab');
  for (const id of ['deep-recon-canvas', 'pca-recon-canvas']) {
    const image = await digit(id);
    console.log(`AE lab: ${id} ink ${total(image).toFixed(1)}, centre ${image[14 * 28 + 14].toFixed(2)}`);
    assert.ok(total(image) > 20, `${id} has ink`);
    assert.ok(image[14 * 28 + 14] < 0.35, `${id}: the 0's hole stays empty`);
  }
});

test('AE variants: a drawn 7 is rebuilt by the conv auto-encoders', async () => {
  await open('ae-variants');
  await browser.click('[data-testid=variants-clear]');
  const before = await draws('deconv-canvas');
  await strokeOn('draw-canvas', [[80, 60], [140, 60], [200, 60], [160, 145], [120, 230]], 280);
  await drawn('deconv-canvas', before);
  await settle();
  await screenshot('ae-variants');
  for (const id of ['unpool-switch-canvas', 'unpool-repeat-canvas', 'deconv-canvas']) {
    const image = await digit(id);
    const bar = Math.max(...[4, 5, 6, 7, 8].map((y) => total(image.slice(y * 28 + 8, y * 28 + 20))));
    console.log(`AE variants: ${id} ink ${total(image).toFixed(1)}, top bar ${bar.toFixed(1)}`);
    assert.ok(total(image) > 25, `${id} has ink`);
    assert.ok(bar > 3, `${id}: the bar of the 7 is rebuilt`);
  }
});

test('compare: the four grids fill', async () => {
  await open('compare');
  await browser.waitFor(() => document.querySelector('[data-demo=compare]').dataset.done === 'true', [],
    { timeout: 240_000, what: 'the grids to fill' });
  await screenshot('compare');
  for (const source of ['pixelrnn', 'vae', 'gan', 'real']) {
    const inked = await browser.evaluate((id) => {
      const canvas = document.querySelector(`[data-testid=${id}]`);
      const [rows, cols, scale] = [canvas.dataset.rows, canvas.dataset.cols, canvas.dataset.scale].map(Number);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let cells = 0;
      for (let k = 0; k < rows * cols; k += 1) {
        let ink = 0;
        for (let p = 0; p < 784; p += 1) {
          const [x, y] = [(k % cols) * 28 + (p % 28), Math.floor(k / cols) * 28 + Math.floor(p / 28)];
          ink += data[(y * scale * canvas.width + x * scale) * 4] / 255;
        }
        if (ink >= 5) cells += 1;
      }
      return { cells, of: rows * cols };
    }, `compare-grid-${source}`);
    console.log(`compare: ${source} ${inked.cells} of ${inked.of} cells with ink`);
    assert.equal(inked.of, 32, `${source}: a 4 × 8 grid`);
    assert.ok(inked.cells >= 16, `${source}: at least half of its cells have ink`);
  }
});
