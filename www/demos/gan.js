// The GAN demo: forwards the controls to the worker's two sessions (the MNIST GAN and the 1-D
// GAN) and paints their reports. All figures come from Rust; this file only draws.
import { LineChart } from '../ui/chart.js';
import { hideProgress, addNote } from '../ui/status.js';
import { showScaled, describe, reducedMotion } from '../ui/canvas.js';
import { PlayButton } from '../ui/play.js';
import { Graph } from '../ui/graph.js';
import { buildHistogram } from '../ui/histogram.js';
import { pickCells } from '../ui/grid-pick.js';
import { t, message, fixed, number } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// What the worker loads for this demo (paths relative to www/).
export const demo = {
  sessions: { gan: 'GanSession', gan1d: 'Gan1dSession' },
  assets: [
    { session: 'gan', method: 'load_classifier', path: 'weights/classifier.bpk', label: message('asset.classifier'), problem: message('problem.samples-unjudged') },
    { session: 'gan', method: 'load_shipped', path: 'weights/gan.bpk', label: message('asset.gan'), problem: message('problem.gan-scratch-only') },
    { session: 'gan', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits'), problem: message('problem.gan-no-reals') },
    { session: 'gan', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
  ],
  threads: true,
};

// The settings that define a run, in the URL (defaults: the live settings chosen by measuring
// time to digits; see GanTrainingConfig::live).
export const settings = {
  'gan-model': { default: 'mlp', values: ['mlp', 'dcgan-small', 'dcgan'] },
  'gan-seed': { default: 0, min: 0, max: 4294967295, integer: true },
  'gan-lr-g': { default: 0.002, min: 0.00001, max: 0.1 },
  'gan-lr-d': { default: 0.0005, min: 0.00001, max: 0.1 },
  'gan-k': { default: 1, min: 1, max: 10, integer: true },
  'gan-batch': { default: 64, min: 16, max: 128, integer: true },
  'gan-loss': { default: 'non-saturating', values: ['non-saturating', 'minimax'] },
  'gan1d-data': { default: 'one', values: ['one', 'two', 'drawn'] },
  'gan1d-loss': { default: 'non-saturating', values: ['non-saturating', 'minimax'] },
  'gan1d-k': { default: 1, min: 1, max: 10, integer: true },
  'gan1d-seed': { default: 0, min: 0, max: 4294967295, integer: true },
};

const COLORS = { d: '#38bdf8', g: '#22c55e', real: '#e5e7eb', confident: '#f59e0b', coverage: '#a78bfa' };
const HISTOGRAM_BINS = 24;
// While training plays, the sample grid is redrawn with every chunk (about 4 times a second), or
// at most every 2 s where the system asks for reduced motion; the charts and figures keep up.
const CALM_GRID_MS = 2000;

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=gan]');
  const samples = $('gan-samples');
  const zoom = $('gan-zoom');
  const zoomCaption = $('gan-zoom-caption');
  const play = $('gan-play');
  const controls = {
    'gan-model': $('gan-model'), 'gan-seed': $('gan-seed'), 'gan-lr-g': $('gan-lr-g'), 'gan-lr-d': $('gan-lr-d'),
    'gan-k': $('gan-k'), 'gan-batch': $('gan-batch'), 'gan-loss': $('gan-loss'),
  };
  const buttons = ['gan-play', 'gan-step', 'gan-step-d', 'gan-step-g', 'gan-new-noise', 'gan-reset',
    'gan-load-shipped', 'gan-download', 'gan-load-file', 'gan-slow-motion'].map($);
  const charts = {
    loss: new LineChart($('gan-loss-chart'), {
      x: t('gan.chart-iterations'), y: t('gan.chart-loss'),
      series: [{ label: t('gan.chart-d-loss'), color: COLORS.d }, { label: t('gan.chart-g-loss'), color: COLORS.g }],
    }),
    score: new LineChart($('gan-score-chart'), {
      x: t('gan.chart-iterations'), y: t('gan.chart-mean-d'), range: [0, 1],
      series: [{ label: t('gan.chart-real'), color: COLORS.real }, { label: t('gan.chart-fake'), color: COLORS.d }],
    }),
    quality: new LineChart($('gan-quality-chart'), {
      x: t('gan.chart-iterations'), y: t('gan.chart-share'), range: [0, 1],
      series: [{ label: t('gan.chart-confident'), color: COLORS.confident }, { label: t('gan.chart-coverage'), color: COLORS.coverage }],
    }),
  };
  const histogram = buildHistogram($('gan-class-histogram'));
  let reading = null; // the last reading, for the zoom's caption
  let picked = null; // the sample shown enlarged: { row, col }
  let gridDrawnAt = -Infinity;
  let real = null;
  let hasShipped = false;
  const player = new PlayButton(play, worker, 'gan');

  for (const [name, control] of Object.entries(controls)) control.value = String(state[name]);
  const runSettings = () => ({
    model: state['gan-model'], seed: state['gan-seed'], lrG: state['gan-lr-g'], lrD: state['gan-lr-d'],
    k: state['gan-k'], batch: state['gan-batch'], loss: state['gan-loss'],
  });
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };

  const loop = mountLoop('gan', { words: { fakes: t('gan.fake-images'), reals: t('gan.real-digits') }, drawSamples: drawDigits });
  const slowMotion = $('gan-slow-motion');
  const slow = () => slowMotion.getAttribute('aria-pressed') === 'true';

  // A chunk may still have been running when pause was pressed: redraw to show where training is.
  // A slow-motion run stops at the end of its current stage.
  async function pause() {
    await loop.stop();
    if (!player.playing) return;
    await player.pause();
    await chunk('redraw');
  }

  // Slow motion: `count` iterations (Infinity while playing), each shown stage by stage.
  function playSlow(count) {
    return loop.run(count, () => worker.call('gan', 'train_chunk', ['slow']), show, fail);
  }

  function show(report) {
    const now = performance.now();
    if (!player.playing || !reducedMotion() || now - gridDrawnAt >= CALM_GRID_MS) {
      gridDrawnAt = now;
      showScaled(samples, report.samples, report.cols * 28, report.rows * 28);
      samples.dataset.draws = Number(samples.dataset.draws ?? 0) + 1;
      samples.dataset.rows = report.rows;
      samples.dataset.cols = report.cols;
      reading = report.reading;
      showPicked();
    }
    $('gan-iterations').textContent = String(report.iterations);
    const rate = report.iterationsPerSecond ? t('gan.rate-speed', { rate: fixed(report.iterationsPerSecond, 1) }) : '';
    $('gan-rate').textContent = t('gan.rate', { speed: rate, d: report.dSteps, g: report.gSteps, seconds: fixed(report.trainingSeconds, 1) });
    $('gan-digits-at').textContent = report.digitsAt
      ? t('gan.digits-at', { seconds: fixed(report.digitsAt[1], 0), iterations: report.digitsAt[0] }) : '';
    if (report.dLoss != null && report.gLoss != null) {
      charts.loss.add(report.iterations, report.dLoss, report.gLoss);
      charts.score.add(report.iterations, report.dReal, report.dFake);
      charts.quality.add(report.iterations, report.reading.confidentShare, report.reading.coverage / 10);
    }
    showReading(reading);
    hideProgress();
  }

  function showReading(r) {
    histogram.update(r, real);
    $('gan-coverage').textContent = `${r.coverage}/10`;
    describe(samples, t('gan.samples-described', { percent: fixed(100 * r.confidentShare, 0), coverage: r.coverage }));
    $('gan-is').textContent = fixed(r.inceptionScore, 2);
    const missing = $('gan-missing');
    missing.hidden = !r.warnMissing;
    missing.textContent = t(r.missing.length === 1 ? 'gan.missing-one' : 'gan.missing', { digits: r.missing.join(t('list.separator')) });
  }

  async function chunk(work) {
    try {
      show(await worker.call('gan', 'train_chunk', [work]));
    } catch (error) {
      fail(error);
    }
  }

  async function restart(how) {
    await pause();
    try {
      await worker.call('gan', how, [runSettings()]);
      for (const chart of Object.values(charts)) chart.reset();
      await chunk('redraw');
    } catch (error) {
      fail(error);
    }
  }

  play.addEventListener('click', async () => {
    if (player.playing) return pause();
    if (!slow()) return player.play().catch(fail);
    player.set(true);
    await playSlow(Infinity);
    player.set(false);
  });
  for (const [id, work] of [['gan-step', 'iteration'], ['gan-step-d', 'd'], ['gan-step-g', 'g']]) {
    $(id).addEventListener('click', async () => {
      await pause();
      if (work === 'iteration' && slow()) await playSlow(1);
      else await chunk(work);
    });
  }
  slowMotion.addEventListener('click', async () => {
    const playing = player.playing;
    await pause();
    slowMotion.setAttribute('aria-pressed', String(!slow()));
    loop.enabled(slow());
    line.slowMotion(slow());
    if (playing) play.click();
  });
  $('gan-new-noise').addEventListener('click', async () => {
    await worker.call('gan', 'new_noise', [randomSeed()]).catch(fail);
    if (!player.playing) chunk('redraw');
  });
  $('gan-reset').addEventListener('click', () => restart('reset'));
  $('gan-load-shipped').addEventListener('click', () => {
    controls['gan-model'].value = 'mlp';
    setSetting('gan-model', 'mlp');
    restart('start_from_shipped');
  });

  // The model and seed define a fresh run; rates, k, batch and loss apply between chunks.
  for (const [name, control] of Object.entries(controls)) {
    control.addEventListener('change', async () => {
      const spec = settings[name];
      const value = spec.values ? control.value : Number(control.value);
      const valid = spec.values ? spec.values.includes(value)
        : Number.isFinite(value) && value >= spec.min && value <= spec.max && (!spec.integer || Number.isInteger(value));
      if (!valid) {
        addNote(t('gan.out-of-range', { name, value: control.value, kept: String(state[name]) }), 'error');
        control.value = String(state[name]);
        return;
      }
      setSetting(name, value);
      if (name === 'gan-model' || name === 'gan-seed') restart('reset');
      else await worker.call('gan', 'set_settings', [runSettings()]).catch(fail);
    });
  }

  $('gan-download').addEventListener('click', async () => {
    try {
      const bytes = await worker.call('gan', 'weights');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      link.download = `latent-lab-gan-${state['gan-model']}-${$('gan-iterations').textContent}-iterations.bpk`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      fail(error);
    }
  });
  $('gan-load-file').addEventListener('change', async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    await pause();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      await worker.call('gan', 'load_weights', [runSettings(), bytes, file.name], [bytes.buffer]);
      for (const chart of Object.values(charts)) chart.reset();
      await chunk('redraw');
    } catch (error) {
      fail(error);
    }
    event.target.value = '';
  });

  // Hover or tap a sample, or pick one with the arrow keys: it shows large, with what the
  // classifier reads in it, and stays picked as training redraws the grid.
  const showPicked = () => {
    if (!picked) return;
    const cols = Number(samples.dataset.cols);
    const cell = samples.width / cols;
    const context = zoom.getContext('2d');
    context.imageSmoothingEnabled = false;
    context.drawImage(samples, picked.col * cell, picked.row * cell, cell, cell, 0, 0, zoom.width, zoom.height);
    const index = picked.row * cols + picked.col;
    const where = t('gan.sample-where', { n: index + 1, row: picked.row + 1, col: picked.col + 1 });
    zoomCaption.textContent = reading
      ? t('gan.sample-read', { where, digit: reading.classes[index], percent: fixed(100 * reading.confidences[index], 0) })
      : where;
    describe(zoom, zoomCaption.textContent);
  };
  pickCells(samples, (cell) => { picked = cell; showPicked(); });

  const line = mountLine(worker, state, setSetting, fail, slow);

  async function ready(problems) {
    hasShipped = !problems.some((p) => /gan\.bpk/.test(p));
    try {
      real = await worker.call('gan', 'real_reading').catch(() => null);
      if (real) {
        $('gan-real-figures').textContent = t('gan.real-figures', { score: fixed(real.inceptionScore, 2), percent: fixed(100 * real.confidentShare, 0), coverage: real.coverage });
      }
      await worker.call('gan', 'reset', [runSettings()]);
      await chunk('redraw');
      await line.ready();
    } catch (error) {
      fail(error);
    }
    for (const button of buttons) button.disabled = false;
    $('gan-load-shipped').disabled = !hasShipped;
    root.dataset.ready = 'true';
  }

  function onRestart() {
    root.dataset.ready = 'false';
    loop.stop();
    player.set(false);
    line.onRestart();
    for (const button of buttons) button.disabled = true;
  }

  function onLoop(session, report) {
    if (session === 'gan' && player.playing) show(report);
    if (session === 'gan1d') line.show(report);
  }

  function onLoopStopped(session, error) {
    if (session === 'gan') player.set(false);
    else line.stopped();
    addNote(t('training.stopped', { reason: error }), 'error');
  }

  return { ready, onRestart, onLoop, onLoopStopped };
}

// The training loop's diagram (issue 27): the lecture's stages as boxes and arrows, and in slow
// motion one iteration at a time, each stage lit in turn with the tensors it made (all from one
// traced iteration in the worker: its `trace`). The MNIST GAN and the 1-D GAN each have one.
const STAGE_MS = 1500;
// Each stage's name and what its caption says (keys `gan.stage-N` and `gan.stage-N-say`), from
// the traced iteration `trace`, the samples' words `w` and the report `r`.
const STAGES = [
  { nodes: ['z', 'G', 'fakes'], args: (trace, w) => ({ batch: trace.batch, fakes: w.fakes, shown: trace.dFake.length }) },
  { nodes: ['reals'], args: (trace, w) => ({ batch: trace.batch, reals: w.reals, shown: trace.dReal.length }) },
  { nodes: ['fakes', 'reals', 'D', 'scores'], args: (trace, w) => ({ reals: w.reals, fakes: w.fakes }) },
  { nodes: ['scores', 'update-d', 'D'],
    args: (trace) => ({ loss: fixed(trace.dLoss, 3), last: trace.k > 1 ? t('gan.stage-4-k', { k: trace.k }) : '' }) },
  { nodes: ['fakes', 'D', 'g-scores'], args: (trace, w) => ({ fakes: w.fakes }) },
  { nodes: ['g-scores', 'update-g', 'G'], args: (trace, w, r) => ({ loss: fixed(trace.gLoss, 3), iterations: r.iterations }) },
];

// One training loop's diagram and its slow motion. `prefix`: the page's ids (gan, gan1d);
// `words`: what the samples are called; `drawSamples(canvas, values, report)`: puts a batch's
// shown samples on a canvas of 224×112.
function mountLoop(prefix, { words, drawSamples }) {
  const figure = $(`${prefix}-loop`);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  Object.entries({ id: `${prefix}-loop-graph`, role: 'img', 'aria-labelledby': `${prefix}-loop-caption` })
    .forEach(([name, value]) => svg.setAttribute(name, value));
  const list = document.createElement('ol');
  list.className = 'stages';
  list.setAttribute('aria-label', t('gan.stages-label'));
  const items = STAGES.map((stage, i) => {
    const item = document.createElement('li');
    item.dataset.stage = String(i + 1);
    item.textContent = t(`gan.stage-${i + 1}`);
    return item;
  });
  list.replaceChildren(...items);
  const caption = document.createElement('span'); // the caption's words, announced as they change
  Object.assign(caption, { id: `${prefix}-loop-caption`, textContent: t('gan.slow-off') });
  caption.setAttribute('role', 'status');
  const figcaption = document.createElement('figcaption');
  figcaption.append(caption);
  figure.replaceChildren(svg, list, figcaption);
  const op = (id, x, y, w, h, body, extra = {}) => ({ id, x, y, w, h, body, shape: 'op', ...extra });
  const samples = (id, x, y, title) => ({ id, x, y, w: 232, h: 120, title, canvas: { width: 224, height: 112, attrs: { 'aria-hidden': 'true' } } });
  const graph = new Graph(svg, {
    width: 880, height: 310,
    nodes: [
      op('z', 8, 52, 76, 40, 'z ~ N(0, I)'),
      op('G', 112, 52, 56, 40, 'G'),
      samples('fakes', 196, 12, t('gan.graph-fakes', { fakes: words.fakes })),
      samples('reals', 196, 172, t('gan.graph-reals', { reals: words.reals })),
      op('D', 468, 140, 56, 40, 'D'),
      { id: 'scores', x: 560, y: 40, w: 156, h: 80, title: 'D(x) | D(G(z))', bars: { range: [0, 1], band: [0.495, 0.505] } },
      op('update-d', 744, 40, 128, 80, t('gan.graph-update-d'), { note: '' }),
      { id: 'g-scores', x: 560, y: 200, w: 156, h: 80, title: t('gan.graph-g-scores'), bars: { range: [0, 1], band: [0.495, 0.505] } },
      op('update-g', 744, 200, 128, 80, t('gan.graph-update-g'), { note: '' }),
    ],
    edges: [
      { from: 'z', to: 'G' },
      { from: 'G', to: 'fakes', points: [[168, 72], [196, 72]] },
      { from: 'fakes', to: 'D', points: [[428, 72], [496, 72], [496, 140]] },
      { from: 'reals', to: 'D', points: [[428, 232], [496, 232], [496, 180]] },
      { from: 'D', to: 'scores', points: [[524, 150], [540, 150], [540, 80], [560, 80]] },
      { from: 'scores', to: 'update-d' },
      { from: 'D', to: 'g-scores', points: [[524, 170], [540, 170], [540, 240], [560, 240]] },
      { from: 'g-scores', to: 'update-g' },
      { from: 'update-d', to: 'D', points: [[808, 40], [808, 22], [510, 22], [510, 140]] },
      { from: 'update-g', to: 'G', points: [[808, 280], [808, 300], [140, 300], [140, 92]] },
    ],
  });
  let run = null; // { token, done } of the slow-motion run under way
  let wake = null;

  function light(stage) {
    items.forEach((item, i) => (i + 1 === stage ? item.setAttribute('aria-current', 'step') : item.removeAttribute('aria-current')));
    graph.light(stage ? STAGES[stage - 1].nodes : []);
  }

  // Shows what stage `stage` (1–6) made, and how long drawing it took (data-stage-ms).
  function showStage(stage, report) {
    const started = performance.now();
    const trace = report.trace;
    const real = (v, i) => t('gan.bar-real', { n: i + 1, value: fixed(v, 3) });
    const fake = (v, i) => t('gan.bar-fake', { n: i + 1, value: fixed(v, 3) });
    if (stage === 1) drawSamples(graph.canvas('fakes'), trace.fakes, report);
    if (stage === 2) drawSamples(graph.canvas('reals'), trace.reals, report);
    if (stage === 3) {
      graph.bars('scores', [...trace.dReal, ...trace.dFake], [...trace.dReal.map(real), ...trace.dFake.map(fake)],
        [...trace.dReal.map(() => 'real'), ...trace.dFake.map(() => 'fake')]);
    }
    if (stage === 4) graph.note('update-d', t('gan.note-d-loss', { loss: fixed(trace.dLoss, 3) }));
    if (stage === 5) graph.bars('g-scores', trace.gFake, trace.gFake.map(fake), trace.gFake.map(() => 'fake'));
    if (stage === 6) graph.note('update-g', t('gan.note-g-loss', { loss: fixed(trace.gLoss, 3) }));
    light(stage);
    caption.textContent = t('gan.stage-caption', {
      stage, iteration: report.iterations, says: t(`gan.stage-${stage}-say`, STAGES[stage - 1].args(trace, words, report)),
    });
    figure.dataset.stageMs = (performance.now() - started).toFixed(2);
    figure.dataset.traceMs = trace.millis.toFixed(1);
  }

  // A wait that pause cuts short.
  const stageWait = () => new Promise((resolve) => {
    const timer = setTimeout(resolve, STAGE_MS);
    wake = () => { clearTimeout(timer); resolve(); };
  });

  return {
    // Runs `count` traced iterations: `request()` asks the worker for one, its stages are shown in
    // turn, and `show(report)` (the page's figures, the iteration count among them) at the last.
    run(count, request, show, fail) {
      const token = { stopped: false };
      const done = (async () => {
        try {
          for (let i = 0; i < count && !token.stopped; i += 1) {
            const report = await request();
            let shown = false;
            for (let stage = 1; stage <= STAGES.length && !token.stopped; stage += 1) {
              showStage(stage, report);
              // The iteration is done at its last stage: the page's figures follow at once.
              if (stage === STAGES.length) { show(report); shown = true; }
              await stageWait();
            }
            if (!shown) show(report);
          }
        } catch (error) {
          fail(error);
        } finally {
          if (run?.token === token) run = null;
        }
      })();
      run = { token, done };
      return done;
    },
    async stop() {
      if (!run) return;
      run.token.stopped = true;
      wake?.();
      await run.done;
    },
    enabled(on) {
      if (!on) light(0);
      caption.textContent = t(on ? 'gan.slow-on' : 'gan.slow-off');
    },
  };
}

// A 2×4 grid of the shown 28×28 digits (RGBA from the worker).
const drawDigits = (canvas, rgba, report) => showScaled(canvas, rgba, report.trace.cols * 28, report.trace.rows * 28);

// The shown 1-D points as dots on the picture's line (from report.low to report.high).
function drawPoints(canvas, points, report) {
  const c = canvas.getContext('2d');
  const { width, height } = canvas;
  const axis = height * 0.6;
  const x = (value) => ((value - report.low) / (report.high - report.low)) * width;
  c.fillStyle = '#111';
  c.fillRect(0, 0, width, height);
  c.strokeStyle = '#4b5563';
  c.beginPath(); c.moveTo(0, axis); c.lineTo(width, axis); c.stroke();
  c.fillStyle = '#9aa3b2';
  c.font = '11px system-ui, sans-serif';
  c.textAlign = 'center';
  for (let tick = Math.ceil(report.low) + 3; tick < report.high; tick += 3) c.fillText(String(tick), x(tick), height - 6);
  c.fillStyle = '#e5e7eb';
  for (const point of points) {
    c.beginPath();
    c.arc(x(point), axis, 4, 0, 2 * Math.PI);
    c.fill();
  }
}

// The 1-D GAN: its controls, its loop and its picture.
function mountLine(worker, state, setSetting, fail, slow) {
  const canvas = $('gan1d-canvas');
  const play = $('gan1d-play');
  const data = $('gan1d-data');
  const loss = $('gan1d-loss');
  const k = $('gan1d-k');
  const stats = $('gan1d-stats');
  const hint = $('gan1d-draw-hint');
  const buttons = [play, $('gan1d-step-d'), $('gan1d-step-g'), $('gan1d-reset'), $('gan1d-preset')];
  const player = new PlayButton(play, worker, 'gan1d');
  let drawn = new Array(HISTOGRAM_BINS).fill(0);
  let last = null;

  data.value = state['gan1d-data'];
  loss.value = state['gan1d-loss'];
  k.value = String(state['gan1d-k']);
  const lineSettings = () => ({
    data: state['gan1d-data'], histogram: drawn, loss: state['gan1d-loss'], k: state['gan1d-k'], seed: state['gan1d-seed'],
  });

  const loop = mountLoop('gan1d', { words: { fakes: t('gan1d.fake-points'), reals: t('gan1d.real-samples') }, drawSamples: drawPoints });

  async function pause() {
    await loop.stop();
    if (!player.playing) return;
    await player.pause();
    await chunk('redraw');
  }
  async function chunk(work) {
    try {
      show(await worker.call('gan1d', 'train_chunk', [work]));
    } catch (error) {
      fail(error);
    }
  }
  async function reset() {
    await pause();
    hint.hidden = state['gan1d-data'] !== 'drawn';
    if (state['gan1d-data'] === 'drawn' && !drawn.some((v) => v > 0)) {
      last = null;
      drawPicture(canvas, null, drawn);
      stats.textContent = t('gan1d.draw-first');
      return;
    }
    try {
      await worker.call('gan1d', 'reset', [lineSettings()]);
      await chunk('redraw');
    } catch (error) {
      fail(error);
    }
  }

  function show(view) {
    last = view;
    drawPicture(canvas, view, state['gan1d-data'] === 'drawn' ? drawn : null);
    const figure = (v) => fixed(v, 2);
    stats.textContent = t('gan1d.stats', {
      dataMean: figure(view.dataMean), dataSd: figure(view.dataStd), gMean: figure(view.generatorMean), gSd: figure(view.generatorStd),
      iteration: view.iterations, push: number(view.push, { maximumSignificantDigits: 2, minimumSignificantDigits: 2, useGrouping: false }),
      speed: view.iterationsPerSecond ? t('gan1d.speed', { rate: fixed(view.iterationsPerSecond, 0) }) : '',
    });
    Object.assign(stats.dataset, {
      dataMean: view.dataMean, dataStd: view.dataStd, generatorMean: view.generatorMean,
      generatorStd: view.generatorStd, iterations: view.iterations, push: view.push,
    });
  }

  play.addEventListener('click', async () => {
    if (player.playing) return pause();
    if (!last) return reset();
    if (!slow()) return player.play().catch(fail);
    player.set(true);
    await loop.run(Infinity, () => worker.call('gan1d', 'train_chunk', ['slow']), show, fail);
    player.set(false);
  });
  $('gan1d-step-d').addEventListener('click', async () => { await pause(); if (last) chunk('d'); });
  $('gan1d-step-g').addEventListener('click', async () => { await pause(); if (last) chunk('g'); });
  $('gan1d-reset').addEventListener('click', reset);
  $('gan1d-preset').addEventListener('click', async () => {
    const preset = await worker.call('gan1d', 'mode_collapse_preset_settings').catch(fail);
    if (!preset) return;
    for (const [name, value] of [['gan1d-data', preset.data], ['gan1d-loss', preset.loss], ['gan1d-k', preset.k], ['gan1d-seed', preset.seed]]) {
      setSetting(name, value);
    }
    data.value = preset.data;
    loss.value = preset.loss;
    k.value = String(preset.k);
    reset();
  });
  // Data and the seed start afresh; the loss and k apply as training goes.
  data.addEventListener('change', () => { setSetting('gan1d-data', data.value); reset(); });
  for (const [name, control] of [['gan1d-loss', loss], ['gan1d-k', k]]) {
    control.addEventListener('change', () => {
      const value = name === 'gan1d-k' ? Number(control.value) : control.value;
      if (name === 'gan1d-k' && !(Number.isInteger(value) && value >= 1 && value <= 10)) {
        control.value = String(state[name]);
        return;
      }
      setSetting(name, value);
      if (last) worker.call('gan1d', 'set_settings', [lineSettings()]).catch(fail);
    });
  }

  // Drawing the histogram: drag across the picture; each bin takes the pointer's height.
  let drawing = false;
  const paint = (event) => {
    if (!drawing || state['gan1d-data'] !== 'drawn') return;
    const box = canvas.getBoundingClientRect();
    const bin = Math.floor(((event.clientX - box.left) / box.width) * HISTOGRAM_BINS);
    if (bin < 0 || bin >= HISTOGRAM_BINS) return;
    drawn[bin] = Math.max(0, Math.min(1, 1 - (event.clientY - box.top) / box.height));
    drawn = [...drawn];
    drawPicture(canvas, last, drawn);
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (state['gan1d-data'] !== 'drawn') return;
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    paint(event);
  });
  canvas.addEventListener('pointermove', paint);
  canvas.addEventListener('pointerup', () => {
    if (!drawing) return;
    drawing = false;
    if (last) worker.call('gan1d', 'set_settings', [lineSettings()]).then(() => player.playing || chunk('redraw'), fail);
    else reset();
  });

  return {
    async ready() {
      await reset();
      for (const button of buttons) button.disabled = false;
    },
    show(view) { if (player.playing) show(view); },
    stopped() { player.set(false); },
    // Slow motion was switched: a run under way stops and starts again in the new mode.
    async slowMotion(on) {
      const playing = player.playing;
      await pause();
      loop.enabled(on);
      if (playing) play.click();
    },
    onRestart() {
      loop.stop();
      player.set(false);
      last = null;
      for (const button of buttons) button.disabled = true;
    },
  };
}

// The lecture's picture: x from view.low to view.high; the data's density (grey), its samples
// (dots), G's density (green), D(x) (blue, on its own 0–1 scale, with ½ dashed).
function drawPicture(canvas, view, drawn) {
  const c = canvas.getContext('2d');
  const { width, height } = canvas;
  const bottom = height - 24;
  c.fillStyle = '#111';
  c.fillRect(0, 0, width, height);
  c.strokeStyle = '#2a2f3a';
  c.beginPath(); c.moveTo(0, bottom); c.lineTo(width, bottom); c.stroke();
  if (drawn) {
    c.fillStyle = 'rgba(229, 231, 235, 0.15)';
    const w = width / drawn.length;
    drawn.forEach((v, i) => c.fillRect(i * w + 1, bottom - v * (bottom - 10), w - 2, v * (bottom - 10)));
  }
  if (!view) return;
  const x = (value) => ((value - view.low) / (view.high - view.low)) * width;
  // One density scale for both curves, capped so a collapsed G's spike does not flatten the data.
  const dataTop = Math.max(...view.dataDensity);
  const top = Math.max(dataTop, Math.min(Math.max(...view.generatorDensity), 3 * dataTop)) || 1;
  const y = (density) => bottom - Math.min(1, density / top) * (bottom - 10);
  const curve = (values, at, color, dash = []) => {
    c.strokeStyle = color;
    c.lineWidth = 2;
    c.setLineDash(dash);
    c.beginPath();
    values.forEach((v, i) => (i ? c.lineTo(at(i), v) : c.moveTo(at(i), v)));
    c.stroke();
    c.setLineDash([]);
  };
  const gridX = (i) => (i / (view.dOfX.length - 1)) * width;
  curve(view.dataDensity.map(y), gridX, '#6b7280', [4, 4]);
  const binWidth = width / view.generatorDensity.length;
  curve(view.generatorDensity.map(y), (i) => (i + 0.5) * binWidth, COLORS.g);
  const dY = (d) => bottom - d * (bottom - 10);
  c.strokeStyle = '#1e3a5f';
  c.setLineDash([2, 4]);
  c.beginPath(); c.moveTo(0, dY(0.5)); c.lineTo(width, dY(0.5)); c.stroke();
  c.setLineDash([]);
  curve(view.dOfX.map(dY), gridX, COLORS.d);
  c.fillStyle = 'rgba(229, 231, 235, 0.7)';
  for (const dot of view.dots) {
    c.beginPath();
    c.arc(x(dot), bottom, 2.5, 0, 2 * Math.PI);
    c.fill();
  }
  c.fillStyle = '#9aa3b2';
  c.font = '12px system-ui, sans-serif';
  c.fillText('D(x)', 8, dY(1) + 12);
  c.fillText('½', 8, dY(0.5) - 4);
  c.textAlign = 'center';
  for (let tick = Math.ceil(view.low); tick <= view.high; tick += 2) {
    c.fillText(String(tick), Math.min(width - 8, Math.max(8, x(tick))), height - 4);
  }
  c.textAlign = 'start';
}
