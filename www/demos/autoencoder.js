// The auto-encoder demo: forwards drawings and controls to the worker and paints what comes
// back. Requests are coalesced: while one is in flight, only the latest state is sent next.
import { DrawPad } from '../ui/drawpad.js';
import { showImage, showScaled, showCode, clearImage, describe } from '../ui/canvas.js';
import { Graph } from '../ui/graph.js';
import { latestOnly } from '../ui/latest-only.js';
import { LineChart } from '../ui/chart.js';
import { TrainButton } from '../ui/play.js';
import { showTiming, hideProgress, addNote } from '../ui/status.js';
import { t, message, fixed } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// What the worker loads for this demo (paths relative to www/).
export const demo = {
  sessions: { autoencoder: 'AutoencoderSession' },
  assets: [
    { session: 'autoencoder', method: 'load_weights', args: ['ae'], path: 'weights/ae.bpk', label: message('asset.ae-weights'), problem: message('problem.ae-untrained') },
    { session: 'autoencoder', method: 'load_weights', args: ['dae'], path: 'weights/dae.bpk', label: message('asset.dae-weights'), problem: message('problem.dae-untrained') },
    { session: 'autoencoder', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
  ],
  // Threads: in-page training of the AE at batch 64, 60–66 steps/s on one thread against 93–104
  // on two (tests/train-rate.mjs, 2 cores, 2026-12-02): each chunk runs on the pool, each step in
  // one part per thread.
  threads: true,
};
// Fetched the first time someone trains, not on page load.
const trainingDigits = { session: 'autoencoder', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits') };

// The URL settings this demo reads (none yet besides the page's own).
export const settings = {};

export function mount(worker) {
  const root = document.querySelector('[data-demo=autoencoder]');
  const views = {
    input: $('input-canvas'), reconstruction: $('recon-canvas'), noisy: $('noisy-canvas'),
    noisyReconstruction: $('noisy-recon-canvas'), denoised: $('denoise-canvas'),
  };
  const code = $('code-canvas');
  const noiseKind = $('noise-kind');
  const noiseAmount = $('noise-amount');
  const amountText = document.getElementById('noise-amount-value');
  const caption = document.getElementById('digit-caption');
  const trainButton = $('ae-train');
  const trainModel = $('ae-train-model');
  const steps = $('ae-train-steps');
  const rate = $('ae-train-rate');
  const chart = new LineChart($('loss-chart'), {
    x: t('chart.steps'), y: t('ae.chart-error'), log: true,
    series: [{ label: t('chart.train'), color: '#f59e0b' }, { label: t('chart.test'), color: '#38bdf8' }],
  });

  let source = { kind: 'drawing' };
  let noiseSeed = 1;
  let busy = false;
  let dirty = false;

  const pad = new DrawPad($('draw-canvas'), {
    onStroke: () => {
      if (source.kind !== 'drawing') { source = { kind: 'drawing' }; caption.textContent = ''; }
      refresh();
    },
  });

  function request() {
    const noise = { noise: noiseKind.value, amount: Number(noiseAmount.value), noiseSeed };
    if (source.kind === 'image') {
      return worker.call('autoencoder', 'run_image', [source.rgba, noise.noise, noise.amount, noise.noiseSeed]);
    }
    const rgba = pad.pixels();
    return worker.call('autoencoder', 'run_drawing',
      [rgba, pad.canvas.width, pad.canvas.height, noise.noise, noise.amount, noise.noiseSeed], [rgba.buffer]);
  }

  async function refresh() {
    if (busy) { dirty = true; return; }
    busy = true;
    try {
      do {
        dirty = false;
        const result = await request();
        for (const [name, canvas] of Object.entries(views)) showImage(canvas, result[name]);
        showCode(code, result.code);
        inside.show(result.layers, result.millis);
        showTiming(result.millis);
        hideProgress();
      } while (dirty);
    } catch (error) {
      if (!error.restarting) addNote(String(error.message ?? error), 'error');
    } finally {
      busy = false;
    }
  }

  const inside = mountInside(worker);

  $('clear').addEventListener('click', () => {
    pad.clear();
    source = { kind: 'drawing' };
    caption.textContent = '';
    refresh();
  });
  $('random-digit').addEventListener('click', async () => {
    try {
      const digit = await worker.call('autoencoder', 'random_test_digit');
      pad.clear();
      pad.showImage(digit.pixels);
      source = { kind: 'image', rgba: digit.pixels };
      caption.textContent = t('digit.caption', { index: String(digit.index), label: digit.label });
      refresh();
    } catch (error) {
      addNote(String(error.message ?? error), 'error');
    }
  });
  noiseKind.addEventListener('change', refresh);
  noiseAmount.addEventListener('input', () => {
    amountText.textContent = fixed(Number(noiseAmount.value), 2);
    refresh();
  });
  document.getElementById('new-noise').addEventListener('click', () => { noiseSeed += 1; refresh(); });

  let trainingDigitsLoaded = false;
  const train = new TrainButton(trainButton, worker, 'autoencoder', {
    start: async () => {
      chart.reset();
      steps.textContent = '0';
      if (!trainingDigitsLoaded) {
        await worker.load(trainingDigits);
        trainingDigitsLoaded = true;
      }
      const fromScratch = document.querySelector('[name=ae-train-start]:checked').value === 'scratch';
      await worker.call('autoencoder', 'train_start', [trainModel.value, fromScratch, randomSeed()]);
    },
  });
  train.onError = (error) => addNote(String(error.message ?? error), 'error');
  trainModel.addEventListener('change', () => train.reset());
  for (const radio of document.querySelectorAll('[name=ae-train-start]')) radio.addEventListener('change', () => train.reset());

  function onLoop(session, report) {
    if (train.state !== 'running') return;
    steps.textContent = String(report.steps);
    rate.textContent = t('ae.rate', { rate: fixed(report.stepsPerSecond, 1), train: fixed(report.trainLoss, 2), test: fixed(report.testLoss, 2) });
    rate.dataset.testLoss = String(report.testLoss);
    chart.add(report.steps, report.trainLoss, report.testLoss);
    refresh();
    inside.weightsChanged();
  }

  function onLoopStopped(session, reason) {
    train.set('idle');
    addNote(t('training.stopped', { reason }), 'error');
  }

  function ready() {
    root.dataset.ready = 'true'; // models and data are loaded
    $('random-digit').disabled = false;
    trainButton.disabled = false;
    train.set('idle');
    refresh();
  }

  function onRestart() {
    root.dataset.ready = 'false';
    trainingDigitsLoaded = false;
    $('random-digit').disabled = true;
    trainButton.disabled = true;
    train.reset();
    for (const canvas of Object.values(views)) clearImage(canvas);
  }

  // No request in flight or waiting (see www/main.js: window.__latentLabIdle).
  const idle = () => !busy && !dirty && inside.idle();

  return { ready, onLoop, onLoopStopped, onRestart, idle };
}

// The layer diagram (issue 27): one box per layer, one cell per unit, built from the first
// layers the worker sends; a click shows the layer's weights (or, for the input and the code,
// its values).
// Each layer's name in data-layer (for tests) and its key for what the page shows.
const LAYER_NAMES = ['input', 'encoder 1', 'encoder 2', 'code', 'decoder 1', 'decoder 2', 'output'];
const layerTitle = (i) => t(`ae.layer.${i}`);
const CELL = 4; // px per unit, in every layer
const LAYER_GAP = 52;

function mountInside(worker) {
  const svg = $('ae-graph');
  const detail = $('ae-layer-detail');
  const caption = document.getElementById('ae-layer-detail-caption');
  let graph = null;
  let layers = null;
  let chosen = null; // the index of the layer shown in detail

  function build(first) {
    const height = Math.max(...first.map((l) => l.rows)) * CELL + 8 + 44;
    const nodes = [];
    let x = 8;
    first.forEach((layer, i) => {
      const [w, h] = [layer.columns * CELL + 8, layer.rows * CELL + 8];
      const name = LAYER_NAMES[i] ?? `layer ${i}`;
      const units = layer.values.length;
      nodes.push({
        id: String(i), x, y: (height - h) / 2 + 4, w, h, title: layerTitle(i), note: String(units),
        canvas: { width: layer.columns, height: layer.rows, attrs: { 'aria-hidden': 'true' } },
        attrs: { 'data-layer': name, 'data-units': units },
        label: t(i === 0 || i === 3 ? 'ae.layer-values' : 'ae.layer-weights', { name: layerTitle(i), units }),
        action: (id) => choose(Number(id)),
      });
      x += w + LAYER_GAP;
    });
    const edges = nodes.slice(1).map((node, i) => ({ from: nodes[i].id, to: node.id }));
    graph = new Graph(svg, { width: x - LAYER_GAP + 8, height, nodes, edges });
    graph.node('3').classList.add('bottleneck');
  }

  const weights = latestOnly(() => worker.call('autoencoder', 'layer_weights', [chosen]), (view) => {
    detail.width = view.width;
    detail.height = view.height;
    showImage(detail, view.rgba);
    Object.assign(detail.dataset, { chosen, tile: view.tile, tiles: view.tiles, kind: 'weights' });
    const name = layerTitle(chosen);
    const what = view.tile
      ? t(chosen === 1 ? 'ae.weights-first' : 'ae.weights-last', { name, tiles: view.tiles })
      : t('ae.weights-matrix', { name, inputs: view.width, units: view.height });
    caption.textContent = t(view.tile ? 'ae.weights-scale-tiles' : 'ae.weights-scale', { what, scale: fixed(view.scale, 2) });
    describe(detail, caption.textContent);
  }, (error) => { if (!error.restarting) caption.textContent = String(error.message ?? error); });

  // The input's and the code's values, which follow the drawing.
  function showValues() {
    const layer = layers[chosen];
    Object.assign(detail.dataset, { chosen, tile: 0, tiles: 0, kind: 'values' });
    if (chosen === 0) {
      [detail.width, detail.height] = [28 * 8, 28 * 8];
      showScaled(detail, layer.rgba, 28, 28);
      caption.textContent = t('ae.input-values');
    } else {
      [detail.width, detail.height] = [256, 128];
      showCode(detail, layer.values);
      caption.textContent = t('ae.code-values', { count: layer.values.length, scale: fixed(layer.scale, 2) });
    }
    describe(detail, caption.textContent);
  }

  function choose(index) {
    chosen = index;
    for (const [i, node] of svg.querySelectorAll('[data-layer] [role=button]').entries()) node.setAttribute('aria-pressed', String(i === index));
    if (index === 0 || index === 3) showValues();
    else weights();
  }

  return {
    // `millis`: the worker's time for this update (the model, its one readback, the pictures).
    show(next, millis) {
      const started = performance.now();
      layers = next;
      if (!graph) build(next);
      next.forEach((layer, i) => showImage(graph.canvas(String(i)), layer.rgba));
      Object.assign(svg.dataset, {
        draws: Number(svg.dataset.draws ?? 0) + 1, millis: millis.toFixed(2), drawMs: (performance.now() - started).toFixed(2),
      });
      if (chosen === 0 || chosen === 3) showValues();
    },
    weightsChanged() {
      if (chosen !== null && chosen !== 0 && chosen !== 3) weights();
    },
    idle: () => weights.idle(),
  };
}
