// The PixelRNN demo: the worker's PixelRnnSession paints a digit a chunk of pixels at a time;
// this module only places each chunk on the canvases, paces the chunks, and forwards the
// controls. The completion pad and its strip work the same way.
import { DrawPad } from '../ui/drawpad.js';
import { showScaled, reducedMotion } from '../ui/canvas.js';
import { addNote, hideProgress } from '../ui/status.js';
import { t, message, fixed } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];
const PIXELS = 784;
// Not yet painted: a colour that is neither ink nor background.
const UNPAINTED = [71, 85, 105, 255];
// Pixels per second at each speed setting; the top one means no delay between pixels, the
// canvas still updating every animation frame.
const RATES = [2, 5, 10, 25, 50, 100, 200, 400, 800, Infinity];
// Where the system asks for reduced motion, paintings start at 50 pixels per second instead of the
// slider's 200 (a slower, steadier fill; the slider still goes to full speed).
const CALM_SPEED = 5;
// At full speed a chunk of work aims at this time, so a frame shows its pixels.
const CHUNK_BUDGET_MS = 12;

export const demo = {
  sessions: { pixel: 'PixelRnnSession' },
  assets: [
    { session: 'pixel', method: 'load_weights', args: ['binary'], path: 'weights/pixelrnn-binary.bpk', label: message('asset.pixelrnn-binary'), problem: message('problem.pixel-binary-untrained') },
    { session: 'pixel', method: 'load_weights', args: ['levels4'], path: 'weights/pixelrnn-levels4.bpk', label: message('asset.pixelrnn-levels4'), problem: message('problem.pixel-levels4-untrained') },
    { session: 'pixel', method: 'load_weights', args: ['regression'], path: 'weights/pixelrnn-regression.bpk', label: message('asset.pixelrnn-regression'), problem: message('problem.pixel-regression-untrained') },
    { session: 'pixel', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
    { session: 'pixel', method: 'load_classifier', path: 'weights/classifier.bpk', label: message('asset.classifier'), problem: message('problem.paintings-unread') },
  ],
  // One thread: a pixel is a handful of tiny products. Painting a digit at full speed took
  // 0.09–0.15 s on one thread against 0.11–0.21 s on two (tests/paint-rate.mjs, 2026-12-02).
  threads: false,
};

export const settings = {
  'pixel-model': { default: 'binary', values: ['binary', 'levels4', 'regression'] },
  'pixel-label': { default: 'any', values: ['any', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  'pixel-seed': { default: 1, min: 0, max: 4294967295, integer: true },
  'pixel-temperature': { default: 0.8, min: 0.05, max: 5 },
  'pixel-rows': { default: 14, min: 0, max: 28, integer: true },
};

// Each model's default temperature: the binary model's was chosen by measurement (README; 0.8 reads
// more of its paintings as digits than 1.0); the grey-level pair was measured at 1.
const MODEL_TEMPERATURES = { binary: 0.8, levels4: 1, regression: 1 };

// Each model's note: key `pixelrnn.note-<model>`.

// What the painting paints, from the worker's `{label, drawn}`.
function paintingCaption({ label, drawn }) {
  if (label === null) return t('pixelrnn.painting-any');
  return t(drawn ? 'pixelrnn.painting-drawn' : 'pixelrnn.painting-chosen', { label });
}

// A 28×28 RGBA image filled with one colour, drawn scaled on `canvas`.
class PixelImage {
  constructor(canvas) {
    this.canvas = canvas;
    this.rgba = new Uint8Array(PIXELS * 4);
    this.reset();
  }

  reset() {
    for (let i = 0; i < PIXELS; i += 1) this.rgba.set(UNPAINTED, i * 4);
    this.show();
  }

  put(from, rgba) {
    this.rgba.set(rgba, from * 4);
  }

  show() {
    showScaled(this.canvas, this.rgba, 28, 28);
  }
}

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=pixelrnn]');
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  const image = new PixelImage($('pixel-canvas'));
  const probability = new PixelImage($('pixel-prob-canvas'));
  const progress = $('pixel-progress');
  const model = $('pixel-model');
  const label = $('pixel-label');
  const seed = $('pixel-seed');
  const temperature = $('pixel-temperature');
  const speed = $('pixel-speed');
  const start = $('pixel-start');
  const stop = $('pixel-stop');
  const rows = $('pixel-visible-rows');
  const completions = $('pixel-completions');
  const buttons = [start, $('pixel-complete'), $('pixel-random-digit'), $('pixel-nll-run')];

  model.value = state['pixel-model'];
  label.value = state['pixel-label'];
  seed.value = state['pixel-seed'];
  temperature.value = state['pixel-temperature'];
  rows.value = state['pixel-rows'];

  const showModel = () => {
    $('pixel-model-note').textContent = t(`pixelrnn.note-${model.value}`);
    const regression = model.value === 'regression';
    seed.disabled = regression;
    temperature.disabled = regression;
    // Only the binary model was trained with labels; the grey pair paints any digit.
    label.disabled = model.value !== 'binary';
  };
  // The label the worker uses for the chosen model.
  const labelFor = () => (label.disabled ? 'any' : label.value);
  const showSpeed = () => {
    const rate = RATES[Number(speed.value) - 1];
    $('pixel-speed-text').textContent = (rate === Infinity ? t('pixelrnn.speed-max') : t('pixelrnn.speed-rate', { rate }))
      + (reducedMotion() && Number(speed.value) === CALM_SPEED ? t('pixelrnn.speed-calm') : '');
  };
  const showRows = () => {
    $('pixel-visible-rows-value').textContent = rows.value;
    $('pixel-cut').style.top = `${(100 * Number(rows.value)) / 28}%`;
  };
  if (reducedMotion()) speed.value = String(CALM_SPEED);
  showModel();
  showSpeed();
  showRows();

  let shownModel = model.value;
  model.addEventListener('change', () => {
    // A temperature left at the old model's default follows the new model's.
    if (Number(temperature.value) === MODEL_TEMPERATURES[shownModel]) {
      temperature.value = MODEL_TEMPERATURES[model.value];
      setSetting('pixel-temperature', Number(temperature.value));
    }
    shownModel = model.value;
    setSetting('pixel-model', model.value);
    showModel();
  });
  label.addEventListener('change', () => setSetting('pixel-label', label.value));
  seed.addEventListener('input', () => setSetting('pixel-seed', Number(seed.value)));
  temperature.addEventListener('input', () => setSetting('pixel-temperature', Number(temperature.value)));
  speed.addEventListener('input', showSpeed);
  rows.addEventListener('input', () => { setSetting('pixel-rows', Number(rows.value)); showRows(); });
  $('pixel-seed-random').addEventListener('click', () => {
    seed.value = randomSeed();
    setSetting('pixel-seed', Number(seed.value));
  });

  // Painting: one chunk in flight at a time, paced by the speed setting, drawn when it lands.
  let painting = null; // { started, last: times; owed: pixels allowed but not yet asked for; busy }

  async function paintChunk(run, steps, budget) {
    const chunk = await worker.call('pixel', 'paint', [steps, budget]);
    if (painting !== run) return;
    image.put(chunk.from, chunk.pixels);
    probability.put(chunk.from, chunk.probabilityPixels); // none from the regression model
    image.show();
    probability.show();
    progress.textContent = `${chunk.painted} / ${PIXELS}`;
    image.canvas.dataset.painted = chunk.painted;
    if (chunk.reading) showReading(chunk.reading);
    if (chunk.done) {
      const seconds = (performance.now() - run.started) / 1000;
      $('pixel-rate').textContent = t('pixelrnn.painted-in', { seconds: fixed(seconds, 2) });
      finish();
    }
  }

  // Asks for the next chunk unless one is in flight: on every animation frame, and at full
  // speed also as soon as a chunk lands, so the worker never waits for the next frame.
  function pump(run) {
    if (run.busy || painting !== run) return;
    const rate = RATES[Number(speed.value) - 1];
    const steps = rate === Infinity ? PIXELS : Math.floor(run.owed);
    if (steps < 1) return;
    if (rate !== Infinity) run.owed -= steps;
    run.busy = true;
    paintChunk(run, steps, rate === Infinity ? CHUNK_BUDGET_MS : 1e9)
      .catch((error) => { fail(error); finish(); })
      .finally(() => {
        run.busy = false;
        if (RATES[Number(speed.value) - 1] === Infinity) pump(run);
      });
  }

  function frame(now) {
    const run = painting;
    if (!run) return;
    requestAnimationFrame(frame);
    const rate = RATES[Number(speed.value) - 1];
    if (rate !== Infinity) run.owed = Math.min(run.owed + (rate * (now - run.last)) / 1000, PIXELS);
    run.last = now;
    pump(run);
  }

  // The judge's reading of a finished painting, as words and as attributes for tests.
  function showReading({ label: digit, confidence, mnistLike, readsAsDigit }) {
    const out = $('pixel-reading');
    out.textContent = t('pixelrnn.reading', {
      digit, percent: Math.round(confidence * 100),
      check: t(mnistLike ? 'pixelrnn.check-pass' : 'pixelrnn.check-fail'),
      verdict: t(readsAsDigit ? 'pixelrnn.reads-digit' : 'pixelrnn.reads-not'),
    });
    Object.assign(out.dataset, { label: digit, confidence, mnistLike, readsAsDigit });
  }

  function finish() {
    painting = null;
    start.disabled = false;
    stop.disabled = true;
    root.dataset.painting = 'false';
  }

  start.addEventListener('click', async () => {
    start.disabled = true;
    progress.textContent = `0 / ${PIXELS}`;
    try {
      const painting = await worker.call('pixel', 'paint_start', [model.value, Number(seed.value), Number(temperature.value), labelFor()]);
      $('pixel-painting-label').textContent = paintingCaption(painting);
      image.canvas.dataset.label = painting.label ?? '';
    } catch (error) {
      fail(error);
      start.disabled = false;
      return;
    }
    image.reset();
    probability.reset();
    $('pixel-rate').textContent = '';
    $('pixel-reading').textContent = '';
    for (const key of ['label', 'confidence', 'mnistLike', 'readsAsDigit']) delete $('pixel-reading').dataset[key];
    const now = performance.now();
    painting = { started: now, last: now, owed: 1, busy: false };
    stop.disabled = false;
    root.dataset.painting = 'true';
    requestAnimationFrame(frame);
  });
  stop.addEventListener('click', () => {
    $('pixel-rate').textContent = t('pixelrnn.stopped-at', { progress: progress.textContent });
    finish();
  });

  // Completion: the pad or a test digit, kept above the cut; four seeds below it.
  let source = { kind: 'drawing' };
  const pad = new DrawPad($('pixel-draw'), { onStroke: () => { source = { kind: 'drawing' }; }, lineWidth: 12 });
  $('pixel-clear').addEventListener('click', () => { pad.clear(); source = { kind: 'drawing' }; });
  $('pixel-random-digit').addEventListener('click', async () => {
    try {
      const digit = await worker.call('pixel', 'random_test_digit');
      pad.showImage(digit.pixels);
      source = { kind: 'test', index: digit.index, label: digit.label };
    } catch (error) { fail(error); }
  });

  let completionRun = 0;
  $('pixel-complete').addEventListener('click', async () => {
    const run = ++completionRun;
    // The painting's seed and the next three: a link repeats the completions too.
    const firstSeed = Number(seed.value);
    const args = [model.value, Number(rows.value), firstSeed, Number(temperature.value), labelFor()];
    completions.dataset.done = 'false';
    try {
      let input;
      if (source.kind === 'test') input = await worker.call('pixel', 'complete_test_digit', [model.value, source.index, ...args.slice(1)]);
      else {
        const rgba = pad.pixels();
        input = await worker.call('pixel', 'complete_drawing', [model.value, rgba, pad.canvas.width, pad.canvas.height, ...args.slice(1)], [rgba.buffer]);
      }
      showScaled($('pixel-input'), input, 28, 28);
      $('pixel-completions-caption').textContent = t('pixelrnn.completions', { first: String(firstSeed), last: String(firstSeed + 3) });
      for (;;) {
        const step = await worker.call('pixel', 'complete_step', [PIXELS, 40]);
        if (run !== completionRun) return;
        showScaled(completions, step.strip, step.frames * 28, 28);
        if (step.labels) {
          completions.dataset.labels = step.labels.join(',');
          $('pixel-completions-caption').textContent = t(labelFor() === 'any' ? 'pixelrnn.completions-drawn' : 'pixelrnn.completions-painted', {
            first: String(firstSeed), last: String(firstSeed + 3), labels: step.labels.join(t('list.separator')),
          });
        }
        if (step.done) break;
      }
      completions.dataset.done = 'true';
    } catch (error) { fail(error); }
  });

  $('pixel-nll-run').addEventListener('click', async () => {
    const out = $('pixel-nll');
    out.textContent = t('common.measuring');
    const button = $('pixel-nll-run');
    button.disabled = true;
    try {
      // A chunk of digits per call, so the worker answers painting requests in between.
      await worker.call('pixel', 'nll_start');
      for (;;) {
        const r = await worker.call('pixel', 'nll_step');
        out.textContent = t(r.done ? 'pixelrnn.nll-done' : 'pixelrnn.nll-measuring', { nats: fixed(r.nats, 2), digits: r.digits, seed: r.seed, of: r.of });
        out.dataset.digits = r.digits;
        if (r.done) break;
      }
      out.dataset.done = 'true';
    } catch (error) {
      out.textContent = '';
      fail(error);
    } finally {
      button.disabled = false;
    }
  });

  return {
    // No painting under way (it is paced by animation frames; see www/main.js: window.__latentLabIdle).
    idle: () => painting === null,
    async ready(problems) {
      hideProgress();
      for (const button of buttons) button.disabled = false;
      root.dataset.problems = problems.length;
      root.dataset.ready = 'true';
    },
    onLoop() {},
    onLoopStopped() {},
    onRestart() {
      painting = null;
      completionRun += 1;
      for (const button of buttons) button.disabled = true;
      stop.disabled = true;
      root.dataset.ready = 'false';
    },
  };
}
