// Page tests of the GAN demo (?demo=gan): press what a person presses, read the canvases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serveAndLaunch, openDemo, artefacts, frameProbe, draws, drawn, settle, recordLoopReports, reportsAfterPause,
} from './browser.mjs';

const env = serveAndLaunch();
const open = (query = '') => openDemo(env.browser, `${env.server.url}?demo=gan&backend=cpu${query}`, 'gan');

// The sample grid's red channel, and a check that it is grey (white ink on black) at the stated size.
async function grid(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid=gan-samples]');
    const { rows, cols, scale } = canvas.dataset;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let grey = true;
    const red = [];
    for (let i = 0; i < data.length; i += 4) {
      grey &&= data[i] === data[i + 1] && data[i + 1] === data[i + 2] && data[i + 3] === 255;
      red.push(data[i]);
    }
    return { rows: Number(rows), cols: Number(cols), scale: Number(scale), width: canvas.width, height: canvas.height, grey, red, draws: Number(canvas.dataset.draws) };
  });
}

const meanAbsDiff = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
const iterations = async (page) => Number(await page.getByTestId('gan-iterations').textContent());

test('from scratch, play trains the GAN: iterations advance, the grid changes, the charts fill, frames keep coming; pause stops the worker', async () => {
  const page = await open();
  const before = await grid(page);
  assert.equal(before.width, before.cols * 28 * before.scale, 'cells are 28×28 at data-scale, no gaps');
  assert.equal(before.height, before.rows * 28 * before.scale);
  assert.ok(before.grey, 'white ink on black');
  assert.match(await page.getByTestId('gan-coverage').textContent(), /^\d+\/10$/);
  assert.equal(await page.getByTestId('gan-play').getAttribute('aria-pressed'), 'false');

  await recordLoopReports(page);
  await frameProbe(page);
  await page.getByTestId('gan-play').click();
  assert.equal(await page.getByTestId('gan-play').getAttribute('aria-pressed'), 'true');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=gan-iterations]').textContent) >= 40
    && Number(document.getElementById('gan-loss-chart').dataset.points) >= 3, null, { timeout: 120_000 });
  // Then six more grid draws (one per chunk, about 4 a second: a window of more than a second
  // for the frame probe, and more training for the grid to show). Only the draw count is read
  // inside the window: reading the whole grid (grid()) holds the main thread for about 100 ms.
  await drawn(page, 'gan-samples', (await draws(page, 'gan-samples')) + 5, 120_000);
  const gap = await page.evaluate(() => window.__stopFrameProbe());
  const after = await grid(page);
  const rate = await page.locator('#gan-rate').textContent();
  await page.screenshot({ path: `${artefacts}/gan-training.png`, fullPage: true });
  await page.getByTestId('gan-play').click(); // pause
  assert.equal(await page.getByTestId('gan-play').getAttribute('aria-pressed'), 'false');
  const points = await page.evaluate(() => ['gan-loss-chart', 'gan-score-chart', 'gan-quality-chart']
    .map((id) => Number(document.getElementById(id).dataset.points)));
  const change = meanAbsDiff(before.red, after.red);
  console.log(`GAN playing: ${await iterations(page)} iterations ${rate}; grid changed by ${change.toFixed(1)} grey levels; `
    + `chart points ${points}; longest frame gap ${gap.toFixed(0)} ms`);
  assert.ok(change > 5, `the sample grid changes (${change.toFixed(1)})`);
  assert.ok(points.every((p) => p >= 3), `every chart has points (${points})`);
  assert.ok(gap < 200, `no frame gap over 200 ms while training (${gap.toFixed(0)} ms)`);

  // Pause: the worker's loop stops (no report from it afterwards; the page alone would show a
  // frozen count whatever the worker did, as it ignores reports once paused). The redraw after
  // pausing (settle) shows where training stopped, and the count stays.
  await settle(page);
  const paused = await iterations(page);
  const reports = await reportsAfterPause(page, 'gan');
  console.log(`pause: ${reports.running} reports while playing (one every ${reports.intervalMs.toFixed(0)} ms), `
    + `${reports.after} in the ${reports.windowMs.toFixed(0)} ms after the pause; ${paused} iterations`);
  assert.ok(reports.running >= 3, `the worker reported while playing (${reports.running} reports)`);
  assert.equal(reports.after, 0, `the worker's loop stopped: no report in the ${reports.windowMs.toFixed(0)} ms after the pause`);
  assert.equal(await iterations(page), paused, 'the iteration count stays');
  // Single steps: D only and G only do not count as iterations; one iteration does.
  await page.getByTestId('gan-step-d').click();
  await page.getByTestId('gan-step-g').click();
  await page.getByTestId('gan-step').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=gan-iterations]').textContent) === n + 1, paused);
  await page.close();
});

test('the shipped checkpoint draws most digits, and the histogram shows them', async () => {
  const page = await open();
  await page.getByTestId('gan-load-shipped').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=gan-class-histogram]').dataset.counts
    && Number(document.querySelector('[data-testid=gan-iterations]').textContent) === 0
    && Number(document.querySelector('[data-testid=gan-coverage]').textContent.split('/')[0]) > 0);
  const coverage = await page.getByTestId('gan-coverage').textContent();
  const counts = (await page.getByTestId('gan-class-histogram').getAttribute('data-counts')).split(',').map(Number);
  await page.screenshot({ path: `${artefacts}/gan-shipped.png`, fullPage: true });
  console.log(`shipped GAN in the page: coverage ${coverage}, classes ${counts}`);
  assert.equal(counts.reduce((a, b) => a + b, 0), 100, 'the histogram counts the 100 samples');
  assert.ok(Number(coverage.split('/')[0]) >= 9, `coverage ${coverage}`);
  await page.close();
});

test('downloaded weights load back after a reload and give the same samples', async () => {
  const page = await open();
  for (let i = 0; i < 3; i += 1) {
    const before = await draws(page, 'gan-samples');
    await page.getByTestId('gan-step').click();
    await drawn(page, 'gan-samples', before);
  }
  const trained = await grid(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#gan-download').click()]);
  const file = `${artefacts}/gan-download.bpk`;
  await download.saveAs(file);
  console.log(`downloaded ${download.suggestedFilename()}`);

  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-demo=gan]').dataset.ready === 'true', null, { timeout: 180_000 });
  const fresh = await grid(page);
  assert.ok(meanAbsDiff(fresh.red, trained.red) > 1, 'a fresh start differs from the trained samples');
  await page.locator('#gan-load-file').setInputFiles(file);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=gan-samples]').dataset.draws) > n, fresh.draws);
  const loaded = await grid(page);
  const diff = meanAbsDiff(loaded.red, trained.red);
  console.log(`samples after loading the download: mean |Δ| ${diff} grey levels`);
  assert.equal(diff, 0, 'the loaded weights give the same samples');
  await page.close();
});

test('the 1-D GAN moves its mean toward the data\'s', async () => {
  const page = await open();
  const stats = () => page.getByTestId('gan1d-stats').evaluate((element) => ({ ...element.dataset }));
  await page.waitForFunction(() => document.querySelector('[data-testid=gan1d-stats]').dataset.generatorMean);
  const start = await stats();
  await page.getByTestId('gan1d-play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=gan1d-stats]').dataset.iterations) >= 1500, null, { timeout: 120_000 });
  await page.getByTestId('gan1d-play').click();
  const end = await stats();
  await page.getByTestId('gan1d-canvas').screenshot({ path: `${artefacts}/gan1d.png` });
  const distance = (s) => Math.abs(Number(s.generatorMean) - Number(s.dataMean));
  console.log(`1-D GAN: G's mean ${Number(start.generatorMean).toFixed(2)} → ${Number(end.generatorMean).toFixed(2)} `
    + `(data ${Number(end.dataMean).toFixed(2)}) after ${end.iterations} iterations; sd ${Number(end.generatorStd).toFixed(2)}`);
  assert.ok(distance(end) < distance(start) / 2, `G's mean moved toward the data's (${distance(start)} → ${distance(end)})`);
  await page.close();
});

test('a corrupt shipped checkpoint is named, and training from scratch still works', async () => {
  const context = await env.browser.newContext();
  await context.route('**/www/weights/gan.bpk', (route) => route.fulfill({ body: Buffer.from('not weights') }));
  const page = await openDemo(context, `${env.server.url}?demo=gan&backend=cpu`, 'gan');
  assert.match(await page.getByTestId('note').textContent(), /gan\.bpk/);
  assert.ok(await page.getByTestId('gan-load-shipped').isDisabled(), 'no shipped checkpoint to start from');
  await page.getByTestId('gan-step').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=gan-iterations]').textContent) === 1);
  await context.close();
});
