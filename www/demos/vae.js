// The VAE demo: two pads → the worker's VaeSession → interpolation strips, sliders, the 2-D map,
// training charts, the σ plot and the imitation example. Only drawing and event forwarding.
import { DrawPad } from '../ui/drawpad.js';
import { showScaled, showImage, describe, readings, labelFont } from '../ui/canvas.js';
import { LineChart } from '../ui/chart.js';
import { TrainButton } from '../ui/play.js';
import { addNote, hideProgress } from '../ui/status.js';
import { loadWhenNear } from '../ui/on-demand.js';
import { latestOnly } from '../ui/latest-only.js';
import { LABEL_COLORS } from '../ui/scatter.js';
import { Graph } from '../ui/graph.js';
import { t, message, fixed } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

export const demo = {
  sessions: { vae: 'VaeSession' },
  // What the sections above the 2-D map need; the 2-D VAE loads when its map comes near the
  // screen or something that needs it is used (`twoDModel`).
  assets: [
    { session: 'vae', method: 'load_weights', args: ['vae10'], path: 'weights/vae10.bpk', label: message('asset.vae10'), problem: message('problem.vae10-untrained') },
    { session: 'vae', method: 'load_weights', args: ['ae10'], path: 'weights/ae10.bpk', label: message('asset.ae10'), problem: message('problem.ae10-untrained') },
    { session: 'vae', method: 'load_classifier', path: 'weights/classifier.bpk', label: message('asset.classifier'), problem: message('problem.frames-unread') },
    { session: 'vae', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') },
  ],
  // Threads: in-page training, 20–24 steps/s on one thread against 28.4–32.0 on two
  // (tests/train-rate.mjs, 2 cores, 2026-12-02): each chunk runs on the pool, each step in one
  // part per thread.
  threads: true,
};
// The 2-D VAE (2.1 MB of the 8.3 MB the demo fetched at start-up): the map, a draw from its prior,
// its test bound, training it.
const twoDModel = { session: 'vae', method: 'load_weights', args: ['vae2'], path: 'weights/vae2.bpk', label: message('asset.vae2'), problem: message('problem.vae2-untrained') };
const trainingDigits = { session: 'vae', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits') };

export const settings = {
  'vae-a': { default: 0, min: -1, max: 9999, integer: true },
  'vae-b': { default: 1, min: -1, max: 9999, integer: true },
  'vae-beta': { default: 1, min: 0, max: 10 },
  'vae-model': { default: 'vae10', values: ['vae10', 'vae2'] },
  // The sliders, once moved: ten numbers.
  'vae-code': { default: '', pattern: /^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){9}$/ },
};

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=vae]');
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  const decoded = $('vae-decoded-canvas');
  const sliders = $('vae-sliders');
  let code = null;
  let spread = null; // how much each code number varies over test digits
  const buttons = [$('vae-random-a'), $('vae-random-b'), $('vae-train'), $('vae-prior-sample'), $('vae-imitation-next'), $('vae-bounds'), $('vae-new-codes'), $('vae-draw-noise')];

  // A pair of strips (the VAE's above the AE's), with what the classifier reads in each frame.
  function showStrips(prefix, s) {
    for (const model of ['vae', 'ae']) {
      const canvas = $(`${model}-${prefix}-strip`);
      showScaled(canvas, s[model], s.frames * 28, 28);
      canvas.dataset.frames = s.frames;
      canvas.dataset.draws = Number(canvas.dataset.draws ?? 0) + 1;
      const reads = s[`${model}Reads`].map((c, i) => t('vae.frame-read', { digit: c, percent: fixed(100 * s[`${model}Confidence`][i], 0) }));
      $(`${model}-${prefix}-reads`).textContent = reads.join(' · ');
      describe(canvas, t('vae.frames-read', { frames: s.frames, reads: readings(s[`${model}Reads`], s[`${model}Confidence`]) }));
    }
  }

  const structure = mountStructure(worker, fail);

  function showEnds(result) {
    code = result.code;
    setSetting('vae-code', ''); // the sliders show this digit's code now
    showCode();
    structure.refresh();
    if (result.strips) {
      showStrips('interp', result.strips);
      $('vae-strip-summary').textContent = t('vae.strip-summary', { vae: fixed(100 * result.strips.vaeMiddle, 0), ae: fixed(100 * result.strips.aeMiddle, 0) });
    }
    hideProgress();
  }

  let priorSeed = 1;
  async function showPrior() {
    try {
      const s = await worker.call('vae', 'prior_samples', [priorSeed]);
      showStrips('prior', s);
      $('vae-prior-summary').textContent = t('vae.prior-summary', { vae: fixed(100 * s.vaeMean, 0), ae: fixed(100 * s.aeMean, 0) });
    } catch (error) {
      fail(error);
    }
  }
  $('vae-new-codes').addEventListener('click', () => { priorSeed += 1; showPrior(); });

  // The two pads, each an end of the path.
  const ends = {};
  for (const slot of ['a', 'b']) {
    let source = { kind: 'drawing' };
    const pad = new DrawPad($(`vae-draw-${slot}`), {
      lineWidth: 11,
      onStroke: () => { source = { kind: 'drawing' }; setSetting(`vae-${slot}`, -1); refresh(); },
    });
    const refresh = latestOnly(async () => {
      if (source.kind === 'test') return { ...(await worker.call('vae', 'set_test_digit', [slot, source.index])), test: true };
      const rgba = pad.pixels();
      return worker.call('vae', 'set_drawing', [slot, rgba, pad.canvas.width, pad.canvas.height], [rgba.buffer]);
    }, (result) => {
      if (result.test) pad.showImage(result.input); // the test digit, as the models see it
      showEnds(result);
    }, fail);
    const pick = async (index) => {
      source = { kind: 'test', index };
      setSetting(`vae-${slot}`, index);
      await refresh();
    };
    $(`vae-clear-${slot}`).addEventListener('click', () => { pad.clear(); source = { kind: 'drawing' }; });
    $(`vae-random-${slot}`).addEventListener('click', async () => {
      try {
        const digit = await worker.call('vae', 'random_test_digit');
        await pick(digit.index);
      } catch (error) {
        fail(error);
      }
    });
    ends[slot] = { pad, pick };
  }

  // Sliders: one per code dimension, built when the first code arrives.
  const decode = latestOnly(() => worker.call('vae', 'decode', [code]), (rgba) => {
    showScaled(decoded, rgba, 28, 28);
    decoded.dataset.draws = Number(decoded.dataset.draws ?? 0) + 1;
  }, fail);
  const across = $('vae-sweep-across');
  const down = $('vae-sweep-down');
  const sweepCanvas = $('vae-sweep-canvas');
  const sweep = latestOnly(() => worker.call('vae', 'sweep', [code, Number(across.value), Number(down.value), 10]),
    (rgba) => showScaled(sweepCanvas, rgba, 280, 280), fail);
  function showCode() {
    if (sliders.children.length !== code.length) {
      sliders.replaceChildren(...code.map((_, i) => {
        const label = document.createElement('label');
        const used = spread ? ` · ${fixed(spread.spread[i], 2)}` : '';
        label.innerHTML = `<span>z${i + 1}${used}</span><input type="range" min="-3" max="3" step="0.01">`;
        label.querySelector('input').setAttribute('aria-label', t('vae.slider', { n: i + 1 }));
        label.querySelector('input').dataset.spread = spread?.spread[i] ?? '';
        label.querySelector('input').addEventListener('input', (event) => {
          code[i] = Number(event.target.value);
          setSetting('vae-code', code.map((v) => v.toFixed(2)).join(','));
          decode();
          sweep();
        });
        return label;
      }));
      for (const select of [across, down]) {
        select.replaceChildren(...code.map((_, i) => new Option(`z${i + 1}`, String(i))));
      }
      [across.value, down.value] = (spread?.widest ?? [0, 1]).map(String);
    }
    sliders.querySelectorAll('input').forEach((input, i) => { input.value = String(code[i]); });
    decode();
    sweep();
  }
  for (const select of [across, down]) select.addEventListener('change', () => code && sweep());

  // The 2-D map: test digits by code, the decoded plane, and a decode wherever the pointer is.
  const mapCanvas = $('vae-map-canvas');
  const planeCanvas = $('vae-plane-canvas');
  const mapDecoded = $('vae-map-decoded');
  let map = null;
  let marker = null;
  const decodeAt = latestOnly(() => worker.call('vae', 'decode_map', [marker.u, marker.v]), (rgba) => {
    showScaled(mapDecoded, rgba, 28, 28);
    mapDecoded.dataset.draws = Number(mapDecoded.dataset.draws ?? 0) + 1;
    $('vae-map-caption').textContent = t('vae.map-decoded-at', { u: fixed(marker.u, 2), v: fixed(1 - marker.v, 2) });
    drawMap();
  }, fail);
  function drawMap() {
    if (!map) return;
    const c = mapCanvas.getContext('2d');
    const { width, height } = mapCanvas;
    c.fillStyle = '#111';
    c.fillRect(0, 0, width, height);
    for (const [u, v, label] of map.points) {
      c.fillStyle = LABEL_COLORS[label];
      c.fillRect(u * width - 1.5, v * height - 1.5, 3, 3);
    }
    c.font = labelFont(mapCanvas, 12);
    LABEL_COLORS.forEach((color, label) => { c.fillStyle = color; c.fillText(String(label), 8 + label * 14, 16); });
    if (marker) {
      c.strokeStyle = 'white';
      c.lineWidth = 2;
      c.strokeRect(marker.u * width - 6, marker.v * height - 6, 12, 12);
    }
  }
  const hover = (event) => {
    if (!map) return; // the 2-D VAE is not in yet
    const box = event.currentTarget.getBoundingClientRect();
    marker = { u: (event.clientX - box.left) / box.width, v: (event.clientY - box.top) / box.height };
    decodeAt();
  };
  for (const canvas of [mapCanvas, planeCanvas]) {
    canvas.addEventListener('pointermove', hover);
    canvas.addEventListener('pointerdown', hover);
  }
  $('vae-prior-sample').addEventListener('click', async () => {
    // A draw from the prior is a uniform point of this square (each axis is a Gaussian's CDF).
    marker = { u: Math.random(), v: Math.random() };
    await twoD.load();
    decodeAt();
  });

  // Training: charts of the two terms, β, and the σ plot's histogram.
  const chart = new LineChart($('vae-loss-chart'), {
    x: t('chart.steps'), y: t('vae.chart-nats'), log: true,
    series: [{ label: t('vae.chart-reconstruction'), color: '#f59e0b' }, { label: 'KL', color: '#38bdf8' }],
  });
  const model = $('vae-train-model');
  const beta = $('vae-beta');
  model.value = state['vae-model'];
  beta.value = String(state['vae-beta']);
  let trainingDigitsLoaded = false;
  let curves = null;
  const train = new TrainButton($('vae-train'), worker, 'vae', {
    start: async () => {
      chart.reset();
      $('vae-train-steps').textContent = '0';
      // Training the 2-D VAE from its shipped weights needs them, and their loading later would
      // replace what training made.
      if (state['vae-model'] === 'vae2') await twoD.load();
      if (!trainingDigitsLoaded) {
        await worker.load(trainingDigits);
        trainingDigitsLoaded = true;
      }
      const fromScratch = document.querySelector('[name=vae-train-start]:checked').value === 'scratch';
      await worker.call('vae', 'train_start', [state['vae-model'], fromScratch, state['vae-beta'], randomSeed()]);
    },
  });
  train.onError = fail;
  model.addEventListener('change', () => { setSetting('vae-model', model.value); train.reset(); });
  for (const radio of document.querySelectorAll('[name=vae-train-start]')) radio.addEventListener('change', () => train.reset());
  beta.addEventListener('change', () => {
    const value = Number(beta.value);
    if (!(value >= 0 && value <= 10)) { beta.value = String(state['vae-beta']); return; }
    setSetting('vae-beta', value);
    worker.call('vae', 'set_beta', [value]).catch(fail);
  });

  function onLoop(session, report) {
    if (train.state !== 'running') return;
    $('vae-train-steps').textContent = String(report.steps);
    $('vae-train-rate').textContent = t('vae.rate', {
      rate: fixed(report.stepsPerSecond, 1), reconstruction: fixed(report.reconstruction, 1), kl: fixed(report.kl, 2), beta: String(report.beta),
    });
    chart.add(report.steps, report.reconstruction, Math.max(report.kl, 1e-3));
    drawSigma(report.logVarianceHistogram);
    // The views follow the model being trained.
    if (report.model === 'vae10' && code) { decode(); sweep(); structure.refresh(); }
    // The map encodes 2,000 digits: redrawn every few seconds, not every chunk, so training
    // keeps most of the worker's time.
    if (report.model === 'vae2' && performance.now() - mapDrawnAt > 3000) loadMap();
  }

  function drawSigma(histogram) {
    if (!curves) return;
    const canvas = $('vae-sigma-canvas');
    const c = canvas.getContext('2d');
    const { width, height } = canvas;
    const bottom = height - 20;
    c.fillStyle = '#111';
    c.fillRect(0, 0, width, height);
    if (histogram) {
      const top = Math.max(1, ...histogram);
      const w = width / histogram.length;
      c.fillStyle = 'rgba(229, 231, 235, 0.25)';
      histogram.forEach((n, i) => c.fillRect(i * w + 1, bottom - (n / top) * (bottom - 10), w - 2, (n / top) * (bottom - 10)));
    }
    const high = 8;
    const low = curves.sigmaLow;
    const x = (i) => (i / (curves.sigma.length - 1)) * width;
    const y = (v) => bottom - ((Math.min(high, Math.max(low, v)) - low) / (high - low)) * (bottom - 10);
    for (const [values, color] of [[curves.exp, '#f59e0b'], [curves.onePlus, '#38bdf8'], [curves.difference, '#22c55e']]) {
      c.strokeStyle = color;
      c.lineWidth = 2;
      c.beginPath();
      values.forEach((v, i) => (i ? c.lineTo(x(i), y(v)) : c.moveTo(x(i), y(v))));
      c.stroke();
    }
    c.fillStyle = '#9aa3b2';
    c.font = labelFont(canvas, 12);
    c.textAlign = 'center';
    for (let s = Math.ceil(curves.sigmaLow); s <= curves.sigmaHigh; s += 2) {
      c.fillText(`σ=${s}`, ((s - curves.sigmaLow) / (curves.sigmaHigh - curves.sigmaLow)) * width, height - 4);
    }
    c.textAlign = 'start';
  }

  // The test-set bound of the shipped models.
  $('vae-bounds').addEventListener('click', async () => {
    const result = $('vae-bounds-result');
    result.textContent = t('common.measuring');
    try {
      await twoD.load(); // the 2-D VAE's bound too
      const b = await worker.call('vae', 'test_bounds');
      const elbo = ([negative, reconstruction, kl]) => t('vae.elbo', { negative: fixed(negative, 2), reconstruction: fixed(reconstruction, 2), kl: fixed(kl, 2) });
      result.textContent = t('vae.bounds-result', { vae10: elbo(b.vae10), vae2: elbo(b.vae2), ae: fixed(b.ae10, 2) });
    } catch (error) {
      result.textContent = '';
      fail(error);
    }
  });

  // Imitation: a test digit and two equally costly edits.
  let imitationIndex = 3;
  async function showImitation() {
    try {
      const result = await worker.call('vae', 'imitation', [imitationIndex]);
      showImage($('vae-imitation-original'), result.original);
      showImage($('vae-imitation-extended'), result.extended);
      showImage($('vae-imitation-stray'), result.stray);
      $('vae-imitation-extended-caption').textContent = t('vae.imitation-extended', { pixels: result.changed, nats: fixed(result.lossExtended, 2) });
      $('vae-imitation-stray-caption').textContent = t('vae.imitation-stray', { pixels: result.changed, nats: fixed(result.lossStray, 2) });
    } catch (error) {
      fail(error);
    }
  }
  $('vae-imitation-next').addEventListener('click', () => { imitationIndex += 1; showImitation(); });

  let mapDrawnAt = 0;
  // The map section: its model fetched when it comes near the screen, then drawn.
  const twoD = loadWhenNear($('vae-map'), worker, [twoDModel], loadMap);
  async function loadMap() {
    mapDrawnAt = performance.now();
    try {
      map = await worker.call('vae', 'map');
      showScaled(planeCanvas, map.plane, map.cells * 28, map.cells * 28);
      drawMap();
    } catch (error) {
      fail(error);
    }
  }

  async function ready() {
    try {
      curves = await worker.call('vae', 'sigma_curves');
      spread = await worker.call('vae', 'code_spread').catch(() => null);
      drawSigma(null);
      const savedCode = state['vae-code'];
      for (const slot of ['a', 'b']) {
        if (state[`vae-${slot}`] >= 0) await ends[slot].pick(state[`vae-${slot}`]);
      }
      if (savedCode && code) {
        code = savedCode.split(',').map(Number);
        setSetting('vae-code', savedCode);
        showCode();
      }
      await showPrior();
      await showImitation();
    } catch (error) {
      fail(error);
    }
    for (const button of buttons) button.disabled = false;
    root.dataset.ready = 'true';
    twoD.watch();
  }

  function onRestart() {
    root.dataset.ready = 'false';
    trainingDigitsLoaded = false;
    twoD.reset();
    map = null;
    train.reset();
    for (const button of buttons) button.disabled = true;
  }

  function onLoopStopped(session, error) {
    train.set('idle');
    addNote(t('training.stopped', { reason: error }), 'error');
  }

  // The map's model, near the screen, on its way (see www/main.js: window.__latentLabIdle).
  const idle = () => !twoD.pending();

  return { ready, onLoop, onLoopStopped, onRestart, idle };
}

// The lecture's VAE structure (issue 27), live for the digit set last: the encoder's m and σ,
// the noise e, the code c = exp(σ) ⊙ e + m, the KL term per dimension and the decoder's output
// of c, all from one call to the worker.
const PARTS = [
  { part: 'm', title: 'vae.part-m', range: [-3, 3], band: [-1, 1] },
  { part: 'sigma', title: 'vae.part-sigma', range: [-5, 1], band: [-0.05, 0.05] },
  { part: 'e', title: 'vae.part-e', range: [-3, 3], band: [-1, 1] },
  { part: 'c', title: 'vae.part-c', range: [-3, 3], band: [-1, 1] },
  { part: 'kl', title: 'vae.part-kl', range: [0, 5] },
];

function mountStructure(worker, fail) {
  const svg = $('vae-structure-graph');
  const table = $('vae-structure-table');
  const nats = $('vae-structure-nats');
  const bar = (id, x, y, w, h) => {
    const spec = PARTS.find((p) => p.part === id);
    return { id, x, y, w, h, title: t(spec.title), bars: { range: spec.range, band: spec.band }, attrs: { 'data-part': id } };
  };
  const digit = (id, x, y, size, scale, title, attrs) => ({
    id, x, y, w: size, h: size, title,
    canvas: { width: 28 * scale, height: 28 * scale, attrs: { 'data-scale': scale, ...attrs } },
  });
  const graph = new Graph(svg, {
    width: 880, height: 300,
    nodes: [
      digit('x', 8, 104, 92, 3, t('vae.graph-x'), { 'aria-hidden': 'true' }),
      { id: 'encoder', x: 124, y: 124, w: 84, h: 52, shape: 'op', body: t('vae.graph-encoder') },
      bar('m', 244, 28, 160, 72),
      bar('sigma', 244, 138, 160, 72),
      bar('e', 244, 236, 160, 56),
      { id: 'op', x: 440, y: 138, w: 128, h: 44, shape: 'op', body: 'exp(σ) ⊙ e + m' },
      bar('c', 600, 28, 160, 72),
      bar('kl', 600, 138, 160, 72),
      digit('output', 784, 44, 92, 3, t('vae.graph-decoded'), { 'data-testid': 'vae-structure-output', 'aria-hidden': 'true' }),
      digit('mean-output', 796, 196, 68, 2, 'c = m (σ → −∞)', { 'aria-hidden': 'true' }),
    ],
    edges: [
      { from: 'x', to: 'encoder' },
      { from: 'encoder', to: 'm', points: [[208, 140], [226, 140], [226, 64], [244, 64]] },
      { from: 'encoder', to: 'sigma', points: [[208, 160], [226, 160], [226, 174], [244, 174]] },
      { from: 'm', to: 'op', points: [[404, 64], [504, 64], [504, 138]] },
      { from: 'sigma', to: 'op', points: [[404, 165], [440, 165]] },
      { from: 'e', to: 'op', points: [[404, 264], [504, 264], [504, 182]] },
      { from: 'op', to: 'c', points: [[568, 150], [584, 150], [584, 64], [600, 64]] },
      { from: 'c', to: 'output', points: [[760, 64], [784, 64]] },
    ],
  });
  let noiseSeed = 1;
  const refresh = latestOnly(() => worker.call('vae', 'structure', [noiseSeed]), (r) => {
    showScaled(graph.canvas('x'), r.input, 28, 28);
    showScaled(graph.canvas('output'), r.output, 28, 28);
    showScaled(graph.canvas('mean-output'), r.meanOutput, 28, 28);
    const rows = { m: r.m, sigma: r.sigma, e: r.e, c: r.c, kl: r.kl };
    const names = { m: 'm', sigma: 'σ', e: 'e', c: 'c', kl: 'KL' };
    for (const [part, values] of Object.entries(rows)) graph.bars(part, values, values.map((v, i) => `${names[part]} ${i + 1}: ${fixed(v, 3)}`));
    const head = `<tr><th scope="col">${t('vae.dimension')}</th>${r.m.map((_, i) => `<th scope="col">${i + 1}</th>`).join('')}</tr>`;
    table.innerHTML = head + Object.entries(rows).map(([part, values]) => `<tr><th scope="row">${names[part]}</th>`
      + `${values.map((v) => `<td>${fixed(v, 2)}</td>`).join('')}</tr>`).join('');
    nats.textContent = t('vae.structure-nats', { reconstruction: fixed(r.reconstruction, 1), mean: fixed(r.meanReconstruction, 1), kl: fixed(r.klTotal, 1) });
    Object.assign(svg.dataset, { draws: Number(svg.dataset.draws ?? 0) + 1, millis: r.millis.toFixed(2) });
  }, fail);
  $('vae-draw-noise').addEventListener('click', () => { noiseSeed += 1; refresh(); });
  return { refresh };
}
