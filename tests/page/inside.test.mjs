// Page tests of the diagrams drawn from the running models (issue 27): the auto-encoder's layers,
// the VAE's structure and the GAN's training loop in slow motion. Drawn with pointer events,
// judged by the pixels and values the page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serveAndLaunch, openPage, openDemo, artefacts, drawOne, settle, frameProbe, strokeOn,
} from './browser.mjs';

const env = serveAndLaunch();

// Every layer of the AE's diagram: its name, units, and its canvas's pixels (RGBA).
const layers = (page) => page.evaluate(() => [...document.querySelectorAll('[data-testid=ae-graph] [data-layer]')].map((node) => {
  const canvas = node.querySelector('canvas');
  const box = node.querySelector('.frame').getBBox();
  return {
    name: node.dataset.layer, units: Number(node.dataset.units), area: box.width * box.height,
    cells: canvas.width * canvas.height,
    pixels: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data),
  };
}));
const meanAbsDiff = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// Collects every value a data attribute of `selector` takes from now on.
const watch = (page, selector, attribute) => page.evaluate(([s, a]) => {
  window.__watched ??= {};
  const seen = (window.__watched[`${s}|${a}`] = []);
  new MutationObserver(() => seen.push(document.querySelector(s).getAttribute(a)))
    .observe(document.querySelector(s), { attributes: true, attributeFilter: [a] });
}, [selector, attribute]);
const watched = (page, selector, attribute) => page.evaluate((key) => window.__watched[key], `${selector}|${attribute}`);

test('the AE diagram shows every layer live: a drawn 1 gives other activations than the blank pad; the first layer\'s weights are 28×28 pictures', async () => {
  const page = await openPage(env.browser, `${env.server.url}?backend=cpu`);
  await settle(page);
  const blank = await layers(page);
  assert.deepEqual(blank.map((l) => l.units), [784, 256, 128, 32, 128, 256, 784], 'input → 256 → 128 → code 32 → 128 → 256 → output');
  for (const layer of blank) assert.equal(layer.cells, layer.units, `${layer.name}: one cell per unit`);
  const areas = blank.map((l) => l.area);
  assert.equal(Math.min(...areas), blank[3].area, 'the code is the narrowest box');
  assert.ok(blank[0].area > 10 * blank[3].area, `the bottleneck is visibly narrow (${areas.map((a) => a.toFixed(0))})`);

  await watch(page, '[data-testid=ae-graph]', 'data-millis');
  await watch(page, '[data-testid=ae-graph]', 'data-draw-ms');
  await frameProbe(page);
  await drawOne(page);
  await settle(page);
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  const one = await layers(page);
  const changes = one.map((layer, i) => meanAbsDiff(layer.pixels, blank[i].pixels));
  console.log(`AE diagram, blank → drawn 1: mean |Δ| per colour channel by layer ${changes.map((c) => c.toFixed(1)).join(', ')}; longest frame gap ${gap.toFixed(0)} ms`);
  changes.forEach((change, i) => assert.ok(change > 1, `${one[i].name}: its units change when a 1 is drawn (${change.toFixed(2)})`));
  // The input layer is the 1 itself: ink in the middle columns.
  const inputInk = (column) => Array.from({ length: 28 }, (_, y) => one[0].pixels[(y * 28 + column) * 4]).reduce((a, b) => a + b, 0);
  assert.ok(inputInk(14) > 10 * 255 && inputInk(3) === 0, 'the input layer shows the drawn 1');
  assert.ok(gap < 200, `no animation-frame gap over 200 ms while drawing (${gap.toFixed(0)} ms; on a frame gap alone check uptime)`);

  const millis = (await watched(page, '[data-testid=ae-graph]', 'data-millis')).map(Number);
  const drawMs = (await watched(page, '[data-testid=ae-graph]', 'data-draw-ms')).map(Number);
  console.log(`AE: ${millis.length} updates during one stroke; worker ${mean(millis).toFixed(2)} ms per update (model, one readback, pictures; `
    + `max ${Math.max(...millis).toFixed(2)}), diagram drawn in ${mean(drawMs).toFixed(2)} ms (max ${Math.max(...drawMs).toFixed(2)})`);
  assert.ok(millis.length >= 2, 'the diagram follows the stroke as it is drawn');

  // The first layer: each of its 256 units' 784 input weights as a 28×28 picture.
  await page.locator('[data-testid=ae-graph] [data-layer="encoder 1"]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=ae-layer-detail]').dataset.kind === 'weights');
  const detail = await page.getByTestId('ae-layer-detail').evaluate((canvas) => ({
    ...canvas.dataset, width: canvas.width, height: canvas.height,
    pixels: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data),
  }));
  assert.equal(Number(detail.tile), 28);
  assert.equal(Number(detail.tiles), 256);
  assert.equal(detail.width, 16 * 29 - 1, '16 pictures of 28 to a row, a pixel between them');
  assert.equal(detail.height, 16 * 29 - 1);
  const tile = (k) => Array.from({ length: 784 }, (_, p) => {
    const [x, y] = [(k % 16) * 29 + (p % 28), Math.floor(k / 16) * 29 + Math.floor(p / 28)];
    return detail.pixels[(y * detail.width + x) * 4 + 2]; // blue: strong for negative weights
  });
  const [first, second] = [tile(0), tile(1)];
  assert.ok(new Set(first).size > 20, 'a unit\'s picture has many levels');
  assert.ok(meanAbsDiff(first, second) > 5, 'two units look for different patterns');
  const gapColumn = Array.from({ length: 28 }, (_, y) => detail.pixels[(y * detail.width + 28) * 4]);
  assert.ok(gapColumn.every((v) => v === gapColumn[0]), 'a one-pixel gap after each 28-pixel picture');
  await page.locator('.inside').first().screenshot({ path: `${artefacts}/inside-ae.png` });

  // The code: its 32 numbers as bars, following the drawing.
  await page.locator('[data-testid=ae-graph] [data-layer=code]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=ae-layer-detail]').dataset.kind === 'values');
  assert.match(await page.locator('#ae-layer-detail-caption').textContent(), /32 numbers/);
  await page.close();
});

// The VAE structure's parts as shown: data-values of each [data-part].
const parts = (page) => page.evaluate(() => Object.fromEntries(['m', 'sigma', 'e', 'c', 'kl']
  .map((part) => [part, JSON.parse(document.querySelector(`[data-testid=vae-structure] [data-part=${part}]`).dataset.values)])));
const output = (page) => page.getByTestId('vae-structure-output').evaluate((canvas) => ({
  scale: Number(canvas.dataset.scale), width: canvas.width, height: canvas.height,
  red: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 0)),
}));

test('the VAE structure: two noise draws change e and c, not m and σ, and c = exp(σ) ⊙ e + m holds for the shown values', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=vae&backend=cpu`, 'vae');
  await strokeOn(page, 'vae-draw-a', Array.from({ length: 15 }, (_, i) => [70, 25 + i * 6]));
  await settle(page);
  const first = await parts(page);
  const firstOutput = await output(page);
  await page.getByTestId('vae-draw-noise').click();
  await settle(page);
  const second = await parts(page);
  const secondOutput = await output(page);

  for (const values of [first, second]) {
    for (const part of ['m', 'sigma', 'e', 'c', 'kl']) assert.equal(values[part].length, 10, `${part}: 10 numbers`);
    const worst = Math.max(...values.c.map((c, i) => Math.abs(c - (Math.exp(values.sigma[i]) * values.e[i] + values.m[i]))));
    assert.ok(worst < 1e-5, `c = exp(σ) ⊙ e + m within rounding (worst ${worst.toExponential(1)})`);
    assert.ok(values.kl.every((k) => k >= -1e-6), 'the KL term is never negative');
  }
  assert.deepEqual(second.m, first.m, 'the same digit: the same m');
  assert.deepEqual(second.sigma, first.sigma, 'the same digit: the same σ');
  assert.notDeepEqual(second.e, first.e, 'a new draw of e');
  assert.ok(second.c.every((c, i) => c !== first.c[i]), 'every number of c moves with e');
  assert.equal(firstOutput.scale, 3);
  assert.equal(firstOutput.width, 28 * firstOutput.scale);
  const change = meanAbsDiff(firstOutput.red, secondOutput.red);
  const inkShare = firstOutput.red.filter((v) => v > 128).length / firstOutput.red.length;
  console.log(`VAE structure: σ ${first.sigma.map((s) => s.toFixed(2)).join(' ')}; KL ${first.kl.map((k) => k.toFixed(2)).join(' ')}; `
    + `the output moved by ${change.toFixed(1)} grey levels between draws of e; worker ${await page.locator('#vae-structure-graph').getAttribute('data-millis')} ms`);
  assert.ok(inkShare > 0.02, `the decoder draws a digit (${(100 * inkShare).toFixed(1)} % ink)`);
  assert.ok(change > 0.5, `the same digit decodes differently with another e (${change.toFixed(2)})`);
  await page.getByTestId('vae-structure').screenshot({ path: `${artefacts}/inside-vae.png` });
  await page.close();
});

test('GAN slow motion: one iteration lights every stage in order, about 1.5 s each, and the count advances by one; pause stops it', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=gan&backend=cpu`, 'gan');
  const slow = page.getByTestId('gan-slow-motion');
  await slow.click();
  assert.equal(await slow.getAttribute('aria-pressed'), 'true');
  const count = async () => Number(await page.getByTestId('gan-iterations').textContent());
  const before = await count();
  await page.evaluate(() => {
    window.__stages = [];
    const items = document.querySelectorAll('[data-testid=gan-loop] [data-stage]');
    new MutationObserver(() => {
      const lit = [...items].filter((item) => item.getAttribute('aria-current') === 'step');
      window.__stages.push({ stages: lit.map((item) => Number(item.dataset.stage)), at: performance.now() });
    }).observe(document.querySelector('[data-testid=gan-loop]'), { attributes: true, subtree: true, attributeFilter: ['aria-current'] });
  });
  await watch(page, '[data-testid=gan-loop]', 'data-stage-ms');
  await watch(page, '[data-testid=gan-loop]', 'data-trace-ms');
  await frameProbe(page);
  await page.getByTestId('gan-step').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=gan-loop] [data-stage="3"]').getAttribute('aria-current') === 'step', null, { timeout: 60_000 });
  await page.getByTestId('gan-loop').screenshot({ path: `${artefacts}/inside-gan.png` });
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=gan-iterations]').textContent) > n, before, { timeout: 60_000 });
  await settle(page);
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  // Each change of the lit stage: exactly one stage lit at a time, 1 to 6 in order.
  const changes = (await page.evaluate(() => window.__stages)).filter((c) => c.stages.length);
  const order = changes.map((c) => c.stages);
  assert.ok(order.every((lit) => lit.length === 1), `one stage lit at a time (${JSON.stringify(order)})`);
  assert.deepEqual(order.map(([s]) => s).filter((s, i, all) => s !== all[i - 1]), [1, 2, 3, 4, 5, 6], 'every stage, in order');
  assert.equal(await count(), before + 1, 'the iteration count advanced by one');
  const spans = changes.slice(1).map((c, i) => c.at - changes[i].at);
  const stageMs = (await watched(page, '[data-testid=gan-loop]', 'data-stage-ms')).map(Number);
  const traceMs = Number(await page.getByTestId('gan-loop').getAttribute('data-trace-ms'));
  console.log(`GAN slow motion: stages ${spans.map((s) => s.toFixed(0)).join(', ')} ms apart; the traced iteration ${traceMs} ms in the worker `
    + `(one readback); drawing a stage ${mean(stageMs).toFixed(2)} ms (max ${Math.max(...stageMs).toFixed(2)}); longest frame gap ${gap.toFixed(0)} ms`);
  assert.ok(spans.every((s) => s >= 1000 && s <= 2500), `about 1–2 s per stage (${spans.map((s) => s.toFixed(0))})`);
  assert.ok(gap < 200, `no animation-frame gap over 200 ms (${gap.toFixed(0)} ms; on a frame gap alone check uptime)`);
  const caption = await page.locator('#gan-loop-caption').textContent();
  assert.match(caption, /^Stage 6 of 6, iteration \d+: update G/, 'the caption numbers the stage');
  const scores = JSON.parse(await page.locator('[data-testid=gan-loop] [data-node=scores]').getAttribute('data-values'));
  assert.equal(scores.length, 16, 'D\'s scores of 8 reals and 8 fakes');
  assert.ok(scores.every((s) => s >= 0 && s <= 1), 'D\'s scores are probabilities');

  // Play in slow motion, then pause: the lit stage stops moving and no iteration follows.
  await page.getByTestId('gan-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=gan-loop] [data-stage="2"]').getAttribute('aria-current') === 'step', null, { timeout: 60_000 });
  await page.getByTestId('gan-play').click();
  await settle(page);
  const paused = { count: await count(), stages: await page.evaluate(() => window.__stages.length) };
  await page.waitForTimeout(3000); // two stages' time: the behaviour under test is that nothing moves
  assert.equal(await page.getByTestId('gan-play').getAttribute('aria-pressed'), 'false');
  assert.equal(await count(), paused.count, 'no iteration after pause');
  assert.equal(await page.evaluate(() => window.__stages.length), paused.stages, 'the lit stage stays where pause left it');
  assert.equal(paused.count, before + 2, 'the paused iteration counts (it ran in the worker) and no more');
  const traces = [...new Set(await watched(page, '[data-testid=gan-loop]', 'data-trace-ms'))];
  console.log(`GAN slow motion: each traced iteration in the worker (training, grid, judge, one readback): ${traces.join(', ')} ms`);
  await page.close();
});

test('the 1-D GAN in slow motion: its loop lights stages 1–6 in order with its points and scores, one iteration at a time; pause stops it', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=gan&backend=cpu`, 'gan');
  await page.getByTestId('gan-slow-motion').click();
  const stats = page.getByTestId('gan1d-stats');
  await page.waitForFunction(() => document.querySelector('[data-testid=gan1d-stats]').dataset.iterations !== undefined);
  const before = Number(await stats.getAttribute('data-iterations'));
  await page.evaluate(() => {
    window.__stages1d = [];
    const items = document.querySelectorAll('[data-testid=gan1d-loop] [data-stage]');
    new MutationObserver(() => {
      const lit = [...items].filter((item) => item.getAttribute('aria-current') === 'step');
      window.__stages1d.push(lit.map((item) => Number(item.dataset.stage)));
    }).observe(document.querySelector('[data-testid=gan1d-loop]'), { attributes: true, subtree: true, attributeFilter: ['aria-current'] });
  });
  await page.getByTestId('gan1d-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=gan1d-loop] [data-stage="6"]').getAttribute('aria-current') === 'step', null, { timeout: 60_000 });
  await page.getByTestId('gan1d-play').click(); // pause, during the last stage's time
  await settle(page);
  const order = (await page.evaluate(() => window.__stages1d)).filter((lit) => lit.length);
  assert.ok(order.every((lit) => lit.length === 1), `one stage lit at a time (${JSON.stringify(order)})`);
  assert.deepEqual(order.map(([s]) => s), [1, 2, 3, 4, 5, 6], 'every stage, in order, once');
  assert.equal(Number(await stats.getAttribute('data-iterations')), before + 1, 'one iteration');
  // The shown points are dots on the line; D's scores are 8 + 8 probabilities.
  for (const node of ['fakes', 'reals']) {
    const lit = await page.locator(`[data-testid=gan1d-loop] [data-node=${node}] canvas`).evaluate((canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) bright += data[i] > 200 ? 1 : 0;
      return bright;
    });
    // A dot is about 50 pixels; a fresh G's points overlap.
    assert.ok(lit >= 40, `${node}: the points are drawn as dots (${lit} bright pixels)`);
  }
  const scores = JSON.parse(await page.locator('[data-testid=gan1d-loop] [data-node=scores]').getAttribute('data-values'));
  assert.equal(scores.length, 16);
  assert.ok(scores.every((s) => s >= 0 && s <= 1), 'D\'s scores are probabilities');
  assert.match(await page.locator('#gan1d-loop-caption').textContent(), /^Stage 6 of 6, iteration \d+: update G/);
  const timing = await page.getByTestId('gan1d-loop').evaluate((figure) => ({ ...figure.dataset }));
  console.log(`1-D GAN slow motion: the traced iteration ${timing.traceMs} ms in the worker (training, the picture, one readback); drawing the last stage ${timing.stageMs} ms`);
  await page.getByTestId('gan1d-loop').screenshot({ path: `${artefacts}/inside-gan1d.png` });
  await page.close();
});
