// The auto-encoder lab (?demo=ae-lab): a drawing or a test digit → the worker's AeLabSession →
// the deep AE's and PCA's rebuilds, the digit's place on three 2-D maps, the training digits
// nearest to it by code and by pixels; the 2-D decoder over a box of its code plane; the test-set
// figures, measured in the worker in chunks. Only drawing, pixel ↔ code conversion and event
// forwarding here: every model's arithmetic is in the worker.
import { DrawPad } from '../ui/drawpad.js';
import { showScaled, clearImage, describe } from '../ui/canvas.js';
import { LineChart } from '../ui/chart.js';
import { Scatter } from '../ui/scatter.js';
import { addNote, hideProgress } from '../ui/status.js';
import { loadWhenNear } from '../ui/on-demand.js';
import { latestOnly } from '../ui/latest-only.js';
import { t, say, message, fixed, number } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const GRID = 8; // cells per side of the decoder grid
const SAMPLES = 16; // codes drawn near 0, in two rows
const PAPER_COMPONENTS = 30; // Hinton & Salakhutdinov's code size, the deep AE's
const DEFAULT_BOX = { x0: -2, y0: -2, x1: 2, y1: 2 };
const count = (n) => number(n);
const percent = (share) => t('common.percent', { percent: fixed(100 * share, 1) });

export const demo = {
  sessions: { lab: 'AeLabSession' },
  // What the first rebuilds need; the rest loads when a section below them comes near the screen
  // (`belowAssets`).
  assets: [
    { session: 'lab', method: 'load_weights', args: ['deep'], path: 'weights/deep-ae.bpk', label: message('asset.deep-ae'), problem: message('problem.deep-ae-untrained') },
    { session: 'lab', method: 'load_weights', args: ['pca'], path: 'weights/pca.bpk', label: message('asset.pca'), problem: message('problem.pca-none') },
    { session: 'lab', method: 'load_classifier', path: 'weights/classifier.bpk', label: message('asset.classifier'), problem: message('problem.decoded-unread') },
    { session: 'lab', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
  ],
  // Threads: its products are large (the deep AE over 10,000 digits, 10,000 × 10,000 distances).
  threads: true,
};

// The two 2-D auto-encoders (the maps, the decoder grid, and the test-set figure's 2-D line) and
// the training digits (the search, and the figure's precision): 5.8 MB of the 13.6 MB the demo
// fetched at start-up. The test-set measurement waits for them.
const belowAssets = [
  { session: 'lab', method: 'load_weights', args: ['ae2d'], path: 'weights/ae2d.bpk', label: message('asset.ae2d'), problem: message('problem.ae2d-untrained') },
  { session: 'lab', method: 'load_weights', args: ['ae2d-l2'], path: 'weights/ae2d-l2.bpk', label: message('asset.ae2d-l2'), problem: message('problem.ae2d-l2-untrained') },
  { session: 'lab', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits-searched') },
];

export const settings = {
  'lab-components': { default: PAPER_COMPONENTS, min: 1, max: 200, integer: true },
  'lab-l2': { default: '0', values: ['0', '1'] },
  // The query: a test digit's index, or -1 for the drawing.
  'lab-digit': { default: 0, min: -1, max: 9999, integer: true },
  // The decoder's box, once moved: x0,y0,x1,y1.
  'lab-box': { default: '', pattern: /^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/ },
};

function parseBox(text) {
  const [x0, y0, x1, y1] = text.split(',').map(Number);
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : { ...DEFAULT_BOX };
}

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=ae-lab]');
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  const buttons = [$('lab-random-digit'), $('decoder-sample-prior')];
  const model = () => (state['lab-l2'] === '1' ? 'ae2d-l2' : 'ae2d');

  // 1. The deep AE against PCA, on the drawing or a test digit.
  const views = { input: $('lab-input-canvas'), deep: $('deep-recon-canvas'), pca: $('pca-recon-canvas') };
  const components = $('pca-components');
  const caption = $('lab-digit-caption');
  components.value = String(state['lab-components']);
  let source = state['lab-digit'] >= 0 ? { kind: 'test', index: state['lab-digit'] } : { kind: 'drawing' };
  let place = null; // the query's point on each map

  const pad = new DrawPad($('draw-canvas'), {
    onStroke: () => {
      if (source.kind !== 'drawing') {
        source = { kind: 'drawing' };
        setSetting('lab-digit', -1);
        caption.textContent = '';
      }
      query();
    },
  });

  const query = latestOnly(async () => {
    const k = state['lab-components'];
    if (source.kind === 'test') return { ...(await worker.call('lab', 'query_test_digit', [source.index, k])), test: source.index };
    const rgba = pad.pixels();
    return worker.call('lab', 'query_drawing', [rgba, pad.canvas.width, pad.canvas.height, k], [rgba.buffer]);
  }, showQuery, fail);

  function showQuery(r) {
    // The test digit on the pad, as the models see it (unless a stroke has begun since).
    if (r.test !== undefined && source.kind === 'test' && source.index === r.test) {
      pad.showImage(r.input);
      caption.textContent = t('digit.caption', { index: String(r.test), label: r.label });
    }
    for (const [name, canvas] of Object.entries(views)) {
      showScaled(canvas, r[name], 28, 28);
      canvas.dataset.draws = Number(canvas.dataset.draws ?? 0) + 1;
    }
    $('deep-error').textContent = fixed(r.deepError, 1);
    $('pca-error').textContent = fixed(r.pcaError, 1);
    $('pca-k').textContent = t(r.components === 1 ? 'lab.component' : 'lab.components', { k: r.components });
    place = { ae2d: r.ae2d, 'ae2d-l2': r.ae2dL2, pca2d: r.pca2d };
    if (maps) { // (the 2-D codes mean nothing before the 2-D auto-encoders are in)
      aeMap.mark(place[model()]);
      pcaMap.mark(place.pca2d);
    }
    showSearch(r);
    hideProgress();
  }

  $('lab-clear').addEventListener('click', () => {
    pad.clear();
    source = { kind: 'drawing' };
    setSetting('lab-digit', -1);
    caption.textContent = '';
    query();
  });
  async function pick(index) {
    source = { kind: 'test', index };
    setSetting('lab-digit', index);
    await query();
  }
  $('lab-random-digit').addEventListener('click', async () => {
    try {
      const digit = await worker.call('lab', 'random_test_digit');
      await pick(digit.index);
    } catch (error) {
      fail(error);
    }
  });
  components.addEventListener('input', () => {
    const k = Number(components.value);
    $('pca-components-value').textContent = String(k);
    setSetting('lab-components', k);
    query();
  });
  $('pca-components-value').textContent = components.value;

  // The test-set figures: PCA's error for every k against the AEs' (flat lines).
  const chart = new LineChart($('lab-error-chart'), {
    x: t('lab.chart-k'), y: t('lab.chart-error'), log: true,
    series: [
      { label: t('lab.chart-pca'), color: '#f59e0b' },
      { label: t('lab.chart-deep'), color: '#38bdf8' },
      { label: t('lab.chart-2d'), color: '#22c55e' },
    ],
  });

  // 2. The test digits laid out by a 2-D code; the query's place on each.
  const aeCanvas = $('ae2d-scatter');
  const aeMap = new Scatter(aeCanvas);
  const pcaMap = new Scatter($('pca2d-scatter'));
  const l2 = $('decoder-l2');
  l2.checked = state['lab-l2'] === '1';
  let maps = null;
  let box = state['lab-box'] ? parseBox(state['lab-box']) : { ...DEFAULT_BOX };

  function showMaps() {
    if (!maps) return;
    const codes = model() === 'ae2d-l2' ? maps.ae2dL2 : maps.ae2d;
    // The view holds the data and the default box; a box elsewhere is brought into it.
    aeMap.setPoints(codes, maps.labels, { include: [[DEFAULT_BOX.x0, DEFAULT_BOX.y0], [DEFAULT_BOX.x1, DEFAULT_BOX.y1]] });
    placeBox(box);
    pcaMap.setPoints(maps.pca2d, maps.labels);
    $('ae2d-caption').textContent = t(model() === 'ae2d-l2' ? 'lab.ae2d-l2-caption' : 'lab.ae2d-caption');
  }

  const preview = $('map-preview');
  let hovered = null; // { map, x, y }
  const lookUp = latestOnly(() => worker.call('lab', 'nearest_point', [hovered.map, hovered.x, hovered.y]), (digit) => {
    if (!digit) return;
    showScaled(preview, digit.pixels, 28, 28);
    preview.dataset.draws = Number(preview.dataset.draws ?? 0) + 1;
    $('map-preview-caption').textContent = t('digit.caption', { index: String(digit.index), label: digit.label });
  }, fail);
  const hover = (map, scatter, event) => {
    if (!maps) return;
    const [x, y] = scatter.dataOf(event);
    hovered = { map, x, y };
    lookUp();
  };
  $('pca2d-scatter').addEventListener('pointermove', (event) => hover('pca2d', pcaMap, event));

  // 3. The 2-D decoder over the box: drag to move it, its corner handle to resize it, anywhere
  // else to draw a new one; arrow keys move it.
  const grid = $('decoder-grid');
  const decodeGrid = latestOnly(() => worker.call('lab', 'decode_grid', [model(), box.x0, box.y0, box.x1, box.y1, GRID, GRID]), (r) => {
    showScaled(grid, r.rgba, r.cols * 28, r.rows * 28);
    Object.assign(grid.dataset, { rows: r.rows, cols: r.cols, scale: grid.width / (r.cols * 28), draws: Number(grid.dataset.draws ?? 0) + 1 });
    markUnsure(grid, r);
    const confident = r.confident.filter(Boolean).length;
    $('decoder-share').textContent = t('lab.decoder-share', { confident, cells: r.rows * r.cols, share: percent(r.share) });
    describe(grid, gridReading(r, confident));
    $('decoder-box-caption').textContent = t('lab.box-caption', {
      x0: fixed(box.x0, 2), x1: fixed(box.x1, 2), y0: fixed(box.y0, 2), y1: fixed(box.y1, 2), rows: r.rows, cols: r.cols,
    });
  }, fail);

  // The text alternative of a grid of decoded digits: what the classifier reads, row by row.
  function gridReading(r, confident) {
    const rows = Array.from({ length: r.rows }, (_, row) => Array.from(r.reads.slice(row * r.cols, (row + 1) * r.cols)).join(' '));
    return t('lab.grid-reading', { rows: r.rows, cols: r.cols, reads: rows.join('; '), confident });
  }

  // Cells the classifier does not read as a digit (below 90 %) get an amber frame.
  function markUnsure(canvas, r) {
    const context = canvas.getContext('2d');
    const size = canvas.width / r.cols;
    context.strokeStyle = '#f59e0b';
    context.lineWidth = 2;
    r.confident.forEach((sure, i) => {
      if (!sure) context.strokeRect((i % r.cols) * size + 1, Math.floor(i / r.cols) * size + 1, size - 2, size - 2);
    });
  }

  const saveBox = () => setSetting('lab-box', [box.x0, box.y0, box.x1, box.y1].map((v) => v.toFixed(3)).join(','));
  // The box, kept inside the view so it stays where it can be grabbed.
  function placeBox(next) {
    const { x0, y0, x1, y1 } = aeMap.view;
    const w = Math.min(next.x1 - next.x0, x1 - x0);
    const h = Math.min(next.y1 - next.y0, y1 - y0);
    const left = Math.min(Math.max(next.x0, x0), x1 - w);
    const bottom = Math.min(Math.max(next.y0, y0), y1 - h);
    box = { x0: left, y0: bottom, x1: left + w, y1: bottom + h };
    aeMap.setBox(box);
  }
  function moveBoxTo(next) {
    placeBox(next);
    decodeGrid();
  }
  // A box spanned by two corners, never thinner than 1 % of the view.
  function spanBox([ax, ay], [bx, by]) {
    const least = (aeMap.view.x1 - aeMap.view.x0) / 100;
    const x0 = Math.min(ax, bx); const y0 = Math.min(ay, by);
    return { x0, y0, x1: Math.max(Math.max(ax, bx), x0 + least), y1: Math.max(Math.max(ay, by), y0 + least) };
  }

  let drag = null;
  aeCanvas.addEventListener('pointerdown', (event) => {
    if (!maps || event.button !== 0) return;
    aeCanvas.focus();
    aeCanvas.setPointerCapture(event.pointerId);
    const at = aeMap.dataOf(event);
    const over = aeMap.hit(...aeMap.pixelOf(event));
    if (over === 'handle') drag = { mode: 'span', anchor: [box.x0, box.y1] };
    else if (over === 'box') drag = { mode: 'move', from: at, start: { ...box } };
    else drag = { mode: 'span', anchor: at };
    event.preventDefault();
  });
  aeCanvas.addEventListener('pointermove', (event) => {
    if (!maps) return;
    if (!drag) {
      const over = aeMap.hit(...aeMap.pixelOf(event));
      aeCanvas.style.cursor = { handle: 'nwse-resize', box: 'move' }[over] ?? 'crosshair';
      hover(model(), aeMap, event);
      return;
    }
    const at = aeMap.dataOf(event);
    if (drag.mode === 'move') {
      const [dx, dy] = [at[0] - drag.from[0], at[1] - drag.from[1]];
      const s = drag.start;
      moveBoxTo({ x0: s.x0 + dx, y0: s.y0 + dy, x1: s.x1 + dx, y1: s.y1 + dy });
    } else {
      moveBoxTo(spanBox(drag.anchor, at));
    }
  });
  for (const type of ['pointerup', 'pointercancel']) {
    aeCanvas.addEventListener(type, () => {
      if (!drag) return;
      drag = null;
      saveBox();
    });
  }
  aeCanvas.addEventListener('keydown', (event) => {
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
    if (!step || !maps) return;
    event.preventDefault();
    const share = event.shiftKey ? 0.5 : 0.1; // of the box's size
    const [dx, dy] = [step[0] * share * (box.x1 - box.x0), step[1] * share * (box.y1 - box.y0)];
    moveBoxTo({ x0: box.x0 + dx, y0: box.y0 + dy, x1: box.x1 + dx, y1: box.y1 + dy });
    saveBox();
  });

  // Codes drawn near 0 from a unit Gaussian, through the same decoder.
  const samples = $('decoder-samples');
  let priorSeed = 0;
  const sample = latestOnly(() => worker.call('lab', 'sample_prior', [model(), priorSeed, SAMPLES]), (r) => {
    samples.hidden = false;
    showScaled(samples, r.rgba, r.cols * 28, r.rows * 28);
    Object.assign(samples.dataset, { rows: r.rows, cols: r.cols, draws: Number(samples.dataset.draws ?? 0) + 1 });
    aeMap.setMarkers(r.codes);
    markUnsure(samples, r);
    const confident = r.confident.filter(Boolean).length;
    describe(samples, gridReading(r, confident));
    $('decoder-samples-share').textContent = t('lab.samples-share', { confident, samples: r.rows * r.cols, share: percent(r.share), seed: priorSeed });
  }, fail);
  $('decoder-sample-prior').addEventListener('click', () => { priorSeed += 1; sample(); });

  l2.addEventListener('change', () => {
    setSetting('lab-l2', l2.checked ? '1' : '0');
    if (!maps) return; // drawn with the setting once the 2-D auto-encoders are in
    showMaps();
    if (place) aeMap.mark(place[model()]);
    decodeGrid();
    if (priorSeed > 0) sample(); // the same codes through the other decoder
  });

  // 4. Search: the query's nearest training digits by code and by pixels.
  function showSearch(r) {
    showScaled($('search-query'), r.input, 28, 28);
    const status = $('search-status');
    if (!r.search) {
      status.textContent = t('lab.search-status');
      return;
    }
    status.textContent = '';
    const s = r.search;
    for (const [testid, strip, labels, list] of [
      ['search-by-code', s.byCode, s.codeLabels, 'search-code-labels'],
      ['search-by-pixels', s.byPixels, s.pixelLabels, 'search-pixel-labels'],
    ]) {
      const canvas = $(testid);
      showScaled(canvas, strip, s.k * 28, 28);
      Object.assign(canvas.dataset, { frames: s.k, draws: Number(canvas.dataset.draws ?? 0) + 1 });
      $(list).replaceChildren(...Array.from(labels, (label) => Object.assign(document.createElement('span'), { textContent: String(label) })));
    }
  }

  // The measurement, in the worker's loop: progress, then the figures.
  let measured = false;
  let indexed = false;
  function onLoop(session, step) {
    if (session !== 'lab' || measured) return;
    $('lab-progress').value = step.fraction;
    const stage = say(step.stage);
    const done = Math.round(100 * step.fraction);
    $('lab-stage').textContent = t('lab.measuring', { stage, percent: done });
    $('search-precision').textContent = t('lab.measuring-precision', { stage, percent: done });
    if (!indexed && step.indexed) {
      indexed = true;
      query(); // the query now comes with its search results
    }
    if (step.done) {
      measured = true;
      worker.stop('lab').catch(() => {});
      showFigures(step.figures);
      query();
    }
  }

  function showFigures(f) {
    $('lab-measuring').hidden = true;
    chart.reset();
    f.pcaErrors.forEach((error, i) => chart.add(i + 1, error, f.deepError, f.ae2dError));
    const needed = f.pcaErrors.findIndex((error) => error <= f.deepError) + 1;
    const match = needed > 0 ? t(needed === 1 ? 'lab.match-one' : 'lab.match', { k: needed })
      : t('lab.no-match', { all: f.pcaErrors.length });
    const summary = $('lab-summary');
    summary.textContent = t('lab.summary', {
      digits: count(f.testDigits), deep: fixed(f.deepError, 2), pca30: fixed(f.pcaErrors[PAPER_COMPONENTS - 1], 2),
      ae2d: fixed(f.ae2dError, 1), ae2dL2: fixed(f.ae2dL2Error, 1), pca2: fixed(f.pcaErrors[1], 1), match,
    });
    Object.assign(summary.dataset, { deepError: f.deepError, pca30Error: f.pcaErrors[PAPER_COMPONENTS - 1], matchingComponents: needed });
    $('search-precision').textContent = t('lab.precision', {
      k: f.k, digits: count(f.testDigits), index: count(f.indexDigits),
      code: percent(f.precisionCode), pixels: percent(f.precisionPixels), bits: percent(f.precisionBinary),
    });
  }

  function onLoopStopped(session, error) {
    addNote(t('lab.measurement-stopped', { error }), 'error');
    $('lab-stage').textContent = t('lab.measurement-stopped', { error });
  }

  // The sections below the first rebuilds: their files fetched when one of them, or the test-set
  // figure (measured with them), comes near the screen (www/ui/on-demand.js); then the maps, the
  // grid and the measurement. `#lab-maps`' data-ready says when.
  const below = loadWhenNear($('lab-maps'), worker, belowAssets, async () => {
    try {
      maps = await worker.call('lab', 'maps');
      showMaps();
    } catch (error) {
      fail(error);
    }
    $('decoder-sample-prior').disabled = false;
    await query(); // the query's places on the maps
    await decodeGrid();
    if (!measured) worker.loop('lab', 'measure').catch(fail);
  }, { also: [$('lab-error-figure'), $('lab-summary'), $('lab-generator'), $('lab-search')] });

  async function ready() {
    $('lab-random-digit').disabled = false;
    if (source.kind === 'test') await pick(source.index);
    else await query();
    root.dataset.ready = 'true';
    below.watch();
  }

  function onRestart() {
    root.dataset.ready = 'false';
    for (const button of buttons) button.disabled = true;
    below.reset();
    maps = null;
    measured = false;
    indexed = false;
    $('lab-measuring').hidden = false;
    for (const canvas of Object.values(views)) clearImage(canvas);
  }

  // No request in flight or waiting (see www/main.js: window.__latentLabIdle).
  const idle = () => query.idle() && decodeGrid.idle() && sample.idle() && lookUp.idle() && !below.pending();

  return { ready, onLoop, onLoopStopped, onRestart, idle };
}
