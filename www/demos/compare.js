// Three generators, one judge (?demo=compare): the worker's CompareSession samples a grid from
// each of the PixelRNN, the VAE and the GAN, takes as many real test digits, searches each
// sample's nearest training digit and judges them all; this module asks for the work a piece at
// a time, draws each grid and the table as they arrive, and shows a picked sample beside its
// nearest training digit. Every figure and sentence comes from Rust.
import { showScaled, describe } from '../ui/canvas.js';
import { addNote, hideProgress, showProgress } from '../ui/status.js';
import { buildHistogram } from '../ui/histogram.js';
import { pickCells } from '../ui/grid-pick.js';
import { t, say, message, fixed, number } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];
const SOURCES = ['pixelrnn', 'vae', 'gan', 'real'];
// A piece of the PixelRNN's painting aims at this much work, so the page keeps drawing.
const STEP_BUDGET_MS = 30;
// The row of the table whose cells also hold each column's histogram.
const HISTOGRAM_ROW = 1;

export const demo = {
  sessions: { compare: 'CompareSession' },
  assets: [
    { session: 'compare', method: 'load_weights', args: ['classifier'], path: 'weights/classifier.bpk', label: message('asset.classifier'), problem: message('problem.samples-unjudged') },
    { session: 'compare', method: 'load_weights', args: ['pixelrnn'], path: 'weights/pixelrnn-binary.bpk', label: message('asset.pixelrnn-binary'), problem: message('problem.compare-pixelrnn-untrained') },
    { session: 'compare', method: 'load_weights', args: ['vae'], path: 'weights/vae10.bpk', label: message('asset.vae10'), problem: message('problem.compare-vae-untrained') },
    { session: 'compare', method: 'load_weights', args: ['gan'], path: 'weights/gan.bpk', label: message('asset.gan'), problem: message('problem.compare-gan-untrained') },
    { session: 'compare', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
    { session: 'compare', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits-searched') },
  ],
  // The PixelRNN's pixel steps are tiny products: a thread pool's hand-offs would cost more.
  threads: false,
};

export const settings = {
  'compare-seed': { default: 1, min: 0, max: 4294967295, integer: true },
};

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=compare]');
  const runButton = $('compare-run');
  const status = $('compare-status');
  const table = $('compare-table');
  const nearestCanvas = $('compare-nearest');
  const nearestCaption = $('compare-nearest-caption');
  const grids = Object.fromEntries(SOURCES.map((source) => [source, $(`compare-grid-${source}`)]));
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  let run = 0; // the latest comparison; an older one's replies are dropped
  let running = false;
  let result = null; // the last table from the worker: readings and nearest digits per sample
  let nearestGrids = {}; // by source: its samples' nearest training digits, laid out as its grid

  function showGrid({ source, rows, cols, pixels, complete }) {
    const canvas = grids[source];
    showScaled(canvas, pixels, cols * 28, rows * 28);
    canvas.dataset.draws = Number(canvas.dataset.draws ?? 0) + 1;
    canvas.dataset.complete = String(complete);
  }

  function showTable(view) {
    const body = table.tBodies[0];
    body.replaceChildren();
    view.rows.forEach((row, r) => {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = say(row.figure);
      tr.append(th);
      row.cells.forEach((text, c) => {
        const td = tr.insertCell();
        td.textContent = text;
        if (r === HISTOGRAM_ROW) {
          const bars = document.createElement('div');
          bars.className = 'histogram small';
          bars.setAttribute('role', 'img');
          bars.setAttribute('aria-label', t('compare.histogram', { counts: view.columns[c].histogram.join(', ') }));
          td.append(bars);
          buildHistogram(bars).update(view.columns[c]);
        }
      });
      tr.insertCell().textContent = say(row.sentence);
    });
    table.dataset.rows = view.rows.length;
    nearestGrids = Object.fromEntries(view.columns.map((column) => {
      const canvas = new OffscreenCanvas(grids[column.source].width, grids[column.source].height);
      showScaled(canvas, column.nearestPixels, Number(grids[column.source].dataset.cols) * 28, Number(grids[column.source].dataset.rows) * 28);
      return [column.source, canvas];
    }));
  }

  // A picked sample beside its nearest training digit, both cut from their grids.
  function showNearest(source, { row, col }) {
    const column = result?.columns.find((c) => c.source === source);
    if (!column) return;
    const grid = grids[source];
    const cell = grid.width / Number(grid.dataset.cols);
    const context = nearestCanvas.getContext('2d');
    const half = nearestCanvas.width / 2;
    context.imageSmoothingEnabled = false;
    context.drawImage(grid, col * cell, row * cell, cell, cell, 0, 0, half, nearestCanvas.height);
    context.drawImage(nearestGrids[source], col * cell, row * cell, cell, cell, half, 0, half, nearestCanvas.height);
    const index = row * Number(grid.dataset.cols) + col;
    const read = column.readsAsDigit[index] ? t('compare.read-as', { digit: column.labels[index] }) : t('compare.not-read');
    nearestCaption.textContent = t('compare.nearest', {
      source: t(`compare.source.${column.source}`), n: index + 1, read, training: number(result.trainingDigits),
      index: String(column.nearestIndex[index] + 1), label: column.nearestLabel[index], distance: fixed(column.nearestDistance[index], 2),
    });
    nearestCanvas.dataset.source = source;
    nearestCanvas.dataset.sample = index;
    nearestCanvas.dataset.draws = Number(nearestCanvas.dataset.draws ?? 0) + 1;
    describe(nearestCanvas, nearestCaption.textContent);
  }
  for (const source of SOURCES) pickCells(grids[source], (cell) => showNearest(source, cell));

  async function compare(seed) {
    const id = ++run;
    running = true;
    runButton.disabled = true;
    root.dataset.done = 'false';
    result = null;
    for (const canvas of Object.values(grids)) canvas.dataset.complete = 'false';
    try {
      await worker.call('compare', 'start', [seed]);
      status.textContent = t('compare.status-start', { seed: String(seed) });
      for (;;) {
        const step = await worker.call('compare', 'step', [STEP_BUDGET_MS]);
        if (id !== run) return;
        if (step.grid) showGrid(step.grid);
        const stepText = say(step.text);
        showProgress(t('compare.progress', { step: stepText }), step.fraction);
        status.textContent = t('compare.status-step', { seed: String(seed), step: stepText });
        if (step.table) {
          result = step.table;
          showTable(step.table);
        }
        if (step.done) break;
      }
      status.textContent = t('compare.status-done', { seed: String(seed), sources: SOURCES.length, samples: grids.real.dataset.rows * grids.real.dataset.cols });
      root.dataset.done = 'true';
    } catch (error) {
      if (id === run) fail(error);
    } finally {
      if (id === run) {
        running = false;
        runButton.disabled = false;
        hideProgress();
      }
    }
  }

  runButton.addEventListener('click', () => {
    const seed = randomSeed();
    setSetting('compare-seed', seed);
    compare(seed);
  });

  return {
    // No comparison under way (its steps follow one another; see www/main.js: window.__latentLabIdle).
    idle: () => !running,
    async ready(problems) {
      root.dataset.problems = problems.length;
      root.dataset.ready = 'true';
      await compare(state['compare-seed']);
    },
    onLoop() {},
    onLoopStopped() {},
    onRestart() {
      run += 1;
      running = false;
      runButton.disabled = true;
      root.dataset.ready = 'false';
    },
  };
}
