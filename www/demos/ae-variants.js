// Auto-encoder variants (?demo=ae-variants): the contractive AE beside the plain and denoising
// ones (Jacobian norms, a λ control, codes moved by nudged inputs), the convolutional AE with
// three decoders (unpooling with switches, repeat-unpooling, transposed convolution), and
// greedy layer-wise pretraining with few labels. Drawing, display and event forwarding only:
// every model's arithmetic runs in the worker's ContractiveSession, ConvAeSession and
// PretrainingSession.
import { DrawPad } from '../ui/drawpad.js';
import { showScaled, clearImage } from '../ui/canvas.js';
import { LineChart } from '../ui/chart.js';
import { addNote, hideProgress } from '../ui/status.js';
import { latestOnly } from '../ui/latest-only.js';
import { t, say, message, fixed, number } from '../i18n/i18n.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
const SERIES_COLORS = ['#9aa3b2', '#38bdf8', '#f59e0b', '#ef4444', '#a78bfa', '#22c55e'];
const STRIP = 8; // test digits in the conv AE's strip
const MAP_SCALE = 3; // canvas pixels per feature-map pixel
const SECOND_MAP_SCALE = 2;
const FILTER_SCALE = 2;
// Written by the native trainer (src/bin/train/cli/pretraining.rs); shown as it is.
const TABLE = { path: 'weights/pretraining-table.json', label: message('asset.pretraining-table') };
const percent = (value) => t('common.percent', { percent: fixed(value, 1) });
// A shipped variant's name (the worker's `name`, e.g. cae-plain), in the page's language.
const variantLabel = (v) => t(`variants.model.${v.name}`);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

const testDigits = { method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: message('asset.test-digits') };
const trainingDigits = { method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: message('asset.training-digits') };

export const demo = {
  sessions: { cae: 'ContractiveSession', conv: 'ConvAeSession', pretrain: 'PretrainingSession' },
  // The one-layer AEs' files come from the session's list of them (see `ready`).
  assets: [
    { session: 'cae', ...testDigits },
    { session: 'conv', method: 'load_weights', path: 'weights/conv-ae.bpk', label: message('asset.conv-ae'), problem: message('problem.conv-ae-untrained') },
    { session: 'conv', ...testDigits },
    { session: 'pretrain', method: 'load_weights', path: 'weights/pretrained-stack.bpk', label: message('asset.pretrained'), problem: message('problem.pretrained-random') },
    { session: 'pretrain', ...testDigits },
  ],
  // Threads: the pretraining run fine-tunes a 784-1000-500-250 net.
  threads: true,
};

export const settings = {
  'cae-lambda': { default: 1, min: 0, max: 10 },
  'cae-nudge': { default: 'shift', values: ['shift', 'thicken', 'noise'] },
  // The input: a test digit's index (the page opens on test digit 0, a 7), or -1 for the drawing.
  'variants-digit': { default: 0, min: -1, max: 9999, integer: true },
  'pretrain-labels': { default: '100', values: ['100', '1000'] },
};

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=ae-variants]');
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  let variants = []; // [{name, label, lambda, denoising}]
  let source = state['variants-digit'] >= 0 ? { kind: 'test', index: state['variants-digit'] } : { kind: 'drawing' };
  let trainingDigitsLoaded = { cae: false, pretrain: false };

  const pad = new DrawPad($('draw-canvas'), {
    onStroke: () => {
      if (source.kind !== 'drawing') {
        source = { kind: 'drawing' };
        setSetting('variants-digit', -1);
        $('variants-digit-caption').textContent = '';
      }
      queryAll();
    },
  });
  const lambdaInput = $('cae-lambda');
  lambdaInput.value = String(state['cae-lambda']);
  const lambda = () => state['cae-lambda'];

  // 1. Plain, denoising and contractive: rebuilds, Jacobian norms, code shifts.
  const caeQuery = latestOnly(() => {
    if (source.kind === 'test') return worker.call('cae', 'query_test_digit', [source.index, lambda()]);
    const rgba = pad.pixels();
    return worker.call('cae', 'query_drawing', [rgba, pad.canvas.width, pad.canvas.height, lambda()], [rgba.buffer]);
  }, showCae, fail);

  function buildVariantRows() {
    const body = $('cae-models');
    body.replaceChildren();
    for (const v of variants) {
      const row = document.createElement('tr');
      row.innerHTML = `<th scope="row"></th><td><canvas class="digit small-digit" width="56" height="56" data-scale="2"></canvas></td>
        <td class="num" data-col="error">–</td><td class="num" data-col="jacobian">–</td>
        <td class="num" data-col="test-error">–</td><td class="num" data-col="test-jacobian">–</td>`;
      row.querySelector('th').textContent = variantLabel(v);
      row.querySelector('canvas').setAttribute('aria-label', t('variants.row-rebuild', { model: variantLabel(v) }));
      row.dataset.model = v.name;
      body.append(row);
    }
    const list = $('cae-lambdas');
    list.replaceChildren(...variants.filter((v) => !v.denoising).map((v) => Object.assign(document.createElement('option'), { value: String(v.lambda) })));
    $('cae-shipped-lambdas').textContent = variants.filter((v) => !v.denoising).map((v) => v.lambda).join(', ');
  }

  function showCae(r) {
    if (r.label !== undefined && r.label !== null && source.kind === 'test') {
      pad.showImage(r.input);
      $('variants-digit-caption').textContent = t('digit.caption', { index: String(source.index), label: r.label });
    }
    const rows = $('cae-models').querySelectorAll('tr');
    r.rebuilds.forEach((rgba, i) => {
      const row = rows[i];
      if (!row) return;
      showScaled(row.querySelector('canvas'), rgba, 28, 28);
      row.querySelector('[data-col=error]').textContent = fixed(r.errors[i], 1);
      row.querySelector('[data-col=jacobian]').textContent = fixed(r.jacobians[i], 2);
    });
    const readout = $('jacobian-norm');
    const chosen = $('cae-chosen-canvas');
    if (r.chosen) {
      showScaled(chosen, r.chosen.rebuild, 28, 28);
      const from = r.chosen.source === 'shipped' ? t('variants.from-shipped') : t('variants.from-here', { steps: String(r.chosen.steps) });
      readout.textContent = fixed(r.chosen.jacobian, 2);
      readout.dataset.value = String(r.chosen.jacobian);
      const name = r.chosen.lambda === 0 ? t('variants.chosen-plain') : t('variants.chosen-cae', { lambda: String(r.chosen.lambda) });
      $('cae-chosen-caption').textContent = t('variants.chosen-caption', { name, from, error: fixed(r.chosen.error, 1) });
    } else {
      clearImage(chosen);
      readout.textContent = '–';
      delete readout.dataset.value;
      $('cae-chosen-caption').textContent = t('variants.no-model', { lambda: String(lambda()) });
    }
    readout.dataset.lambda = String(lambda());
    chosen.dataset.draws = Number(chosen.dataset.draws ?? 0) + 1;
    hideProgress();
    shifts();
  }

  let shiftChart = null;
  const shifts = latestOnly(() => worker.call('cae', 'code_shifts', [state['cae-nudge'], lambda()]), showShifts, fail);
  function showShifts(s) {
    const plot = $('code-shift-plot');
    if (!shiftChart || shiftChart.series !== s.labels.join('|')) {
      plot.replaceChildren();
      shiftChart = new LineChart(plot, {
        x: t(`variants.shift-axis-${s.kind}`),
        y: t('variants.shift-moved'),
        // The shipped variants in order, then the model trained here at the chosen λ.
        series: s.labels.map((label, i) => ({
          label: variants[i] ? variantLabel(variants[i]) : t('variants.model-trained', { lambda: String(lambda()) }),
          color: SERIES_COLORS[i % SERIES_COLORS.length],
        })),
      });
      shiftChart.series = s.labels.join('|');
    }
    shiftChart.reset();
    s.nudges.forEach((n, i) => shiftChart.add(n, ...s.shifts.map((series) => series[i])));
    plot.dataset.kind = s.kind;
    showScaled($('cae-nudged-canvas'), s.nudged, 28, 28);
  }

  for (const radio of document.querySelectorAll('[name=cae-nudge]')) {
    radio.checked = radio.value === state['cae-nudge'];
    radio.addEventListener('change', () => { setSetting('cae-nudge', radio.value); shifts(); });
  }

  // λ: a shipped model's λ shows it at once; any other λ trains one here from the plain AE.
  let lambdaTimer = null;
  const onLambda = () => {
    clearTimeout(lambdaTimer);
    lambdaTimer = setTimeout(async () => {
      lambdaTimer = null;
      const value = Number(lambdaInput.value);
      if (lambdaInput.value === '' || !(value >= 0 && value <= 10)) return;
      if (value === lambda() && root.dataset.ready === 'true') return;
      setSetting('cae-lambda', value);
      await worker.stop('cae').catch(() => {});
      const shipped = variants.some((v) => !v.denoising && v.lambda === value);
      $('cae-training').hidden = shipped;
      caeQuery();
      if (!shipped) await trainAt(value).catch(fail);
    }, 300);
  };
  lambdaInput.addEventListener('input', onLambda);
  lambdaInput.addEventListener('change', onLambda);

  async function trainAt(value) {
    if (!trainingDigitsLoaded.cae) {
      await worker.load({ session: 'cae', ...trainingDigits });
      trainingDigitsLoaded.cae = true;
      hideProgress();
    }
    $('cae-train-status').textContent = t('variants.training-at', { lambda: String(value) });
    $('cae-train-progress').value = 0;
    await worker.call('cae', 'train_start', [value, randomSeed()]);
    await worker.loop('cae', 'train_chunk');
  }

  // 2. The convolutional AE.
  const convViews = ['unpool-switch-canvas', 'unpool-repeat-canvas', 'deconv-canvas'];
  const convQuery = latestOnly(() => {
    if (source.kind === 'test') return worker.call('conv', 'query_test_digit', [source.index]);
    const rgba = pad.pixels();
    return worker.call('conv', 'query_drawing', [rgba, pad.canvas.width, pad.canvas.height], [rgba.buffer]);
  }, showConv, fail);

  function showConv(r) {
    showScaled($('conv-input-canvas'), r.input, 28, 28);
    convViews.forEach((id, i) => {
      const canvas = $(id);
      showScaled(canvas, r.rebuilds[i], 28, 28);
      canvas.dataset.draws = Number(canvas.dataset.draws ?? 0) + 1;
      $(`${id}-error`).textContent = fixed(r.errors[i], 1);
    });
    const maps = $('unpool-maps');
    Object.assign(maps, { width: r.channels * r.side * MAP_SCALE, height: 2 * r.side * MAP_SCALE });
    showScaled(maps, r.maps, r.channels * r.side, 2 * r.side);
    Object.assign(maps.dataset, { channels: r.channels, side: r.side, scale: MAP_SCALE });
    const second = $('unpool-maps-28');
    Object.assign(second, { width: r.secondChannels * 28 * SECOND_MAP_SCALE, height: 2 * 28 * SECOND_MAP_SCALE });
    showScaled(second, r.secondMaps, r.secondChannels * 28, 2 * 28);
    Object.assign(second.dataset, { channels: r.secondChannels, side: 28, scale: SECOND_MAP_SCALE });
    const check = $('deconv-check');
    check.textContent = t('variants.deconv-check', { difference: r.deconvDifference.toExponential(1) });
    check.dataset.difference = String(r.deconvDifference);
  }

  let stripStart = 0;
  async function showStrip() {
    try {
      const strip = await worker.call('conv', 'test_strip', [stripStart, STRIP]);
      const canvas = $('conv-strip');
      showScaled(canvas, strip.rgba, 28 * strip.count, 28 * 4);
      $('conv-strip-caption').textContent = t('variants.strip-caption', { first: String(stripStart), last: String(stripStart + strip.count - 1), labels: strip.labels.join(' ') });
    } catch (error) {
      fail(error);
    }
  }
  $('conv-next-digits').addEventListener('click', () => { stripStart += STRIP; showStrip(); });

  const queryAll = () => { caeQuery(); convQuery(); };

  $('variants-clear').addEventListener('click', () => {
    pad.clear();
    source = { kind: 'drawing' };
    setSetting('variants-digit', -1);
    $('variants-digit-caption').textContent = '';
    queryAll();
  });
  $('variants-random-digit').addEventListener('click', async () => {
    try {
      const digit = await worker.call('cae', 'random_test_digit');
      source = { kind: 'test', index: digit.index };
      setSetting('variants-digit', digit.index);
      queryAll();
    } catch (error) {
      fail(error);
    }
  });

  // 3. Layer-wise pretraining: the native table, the filters, a small-N run here.
  const labelsSelect = $('pretrain-labels');
  labelsSelect.value = state['pretrain-labels'];
  labelsSelect.addEventListener('change', () => setSetting('pretrain-labels', labelsSelect.value));
  const run = $('pretrain-run');
  let running = false;

  async function loadTable() {
    const table = $('pretrain-table');
    try {
      const text = await worker.text(TABLE);
      let parsed;
      try { parsed = JSON.parse(text); } catch { throw new Error(t('variants.table-invalid', { path: TABLE.path })); }
      for (const row of parsed.rows) {
        addTableRow(number(row.labels), t(row.seeds === 1 ? 'variants.native-seed' : 'variants.native-seeds', { seeds: row.seeds }),
          [row.pretrained, row.random, row.relu_adam].map((cell) => (cell ? `${fixed(cell[0], 1)} ± ${fixed(cell[1], 1)}` : '–')));
      }
      table.dataset.rows = String(table.tBodies[0].rows.length);
    } catch (error) {
      addNote(t('variants.table-missing', { error: String(error.message ?? error) }), 'error');
    }
  }

  function addTableRow(labels, where, cells) {
    const table = $('pretrain-table');
    const row = table.tBodies[0].insertRow();
    for (const text of [labels, where, ...cells]) row.insertCell().textContent = text;
    table.dataset.rows = String(table.tBodies[0].rows.length);
    return row;
  }

  async function showFilters() {
    try {
      const f = await worker.call('pretrain', 'filters');
      const canvas = $('pretrain-filters');
      Object.assign(canvas, { width: f.width * FILTER_SCALE, height: f.height * FILTER_SCALE });
      showScaled(canvas, f.rgba, f.width, f.height);
      Object.assign(canvas.dataset, { panels: f.panels.join(','), fineTuned: String(f.fineTuned) });
      $('pretrain-filters-caption').textContent = say(f.caption);
    } catch (error) {
      fail(error);
    }
  }

  run.addEventListener('click', async () => {
    if (running) return;
    running = true;
    run.disabled = true;
    try {
      if (!trainingDigitsLoaded.pretrain) {
        await worker.load({ session: 'pretrain', ...trainingDigits });
        trainingDigitsLoaded.pretrain = true;
        hideProgress();
      }
      $('pretrain-progress').hidden = false;
      await worker.call('pretrain', 'run_start', [Number(state['pretrain-labels']), randomSeed()]);
      await worker.loop('pretrain', 'run_chunk');
    } catch (error) {
      running = false;
      run.disabled = false;
      fail(error);
    }
  });

  function onLoop(session, report) {
    if (session === 'cae') {
      $('cae-train-progress').value = report.steps / report.total;
      $('cae-train-status').textContent = t('variants.train-status', { lambda: String(report.lambda), steps: report.steps, total: report.total, loss: fixed(report.loss, 2), rate: fixed(report.stepsPerSecond, 0) });
      if (report.lambda === lambda()) caeQuery();
      if (report.done) {
        worker.stop('cae').catch(() => {});
        $('cae-train-status').textContent += t('variants.train-done');
      }
    } else if (session === 'conv') {
      $('conv-test-errors').textContent = t(report.done ? 'variants.conv-errors-done' : 'variants.conv-errors', {
        tested: number(report.tested), total: number(report.total),
        switches: fixed(report.errors[0], 2), repeat: fixed(report.errors[1], 2), transposed: fixed(report.errors[2], 2),
      });
      if (report.done) {
        worker.stop('conv').catch(() => {});
        $('conv-test-errors').dataset.errors = report.errors.join(',');
      }
    } else if (session === 'pretrain') {
      $('pretrain-progress').value = report.fraction;
      $('pretrain-status').textContent = say(report.stage);
      if (report.done) {
        worker.stop('pretrain').catch(() => {});
        const r = report.row;
        addTableRow(number(r.labels), t('variants.this-browser', { seed: String(r.seed) }), [percent(r.pretrained), percent(r.random), percent(r.reluAdam)])
          .dataset.browser = 'true';
        running = false;
        run.disabled = false;
        $('pretrain-progress').hidden = true;
        showFilters();
      }
    }
  }

  function onLoopStopped(session, error) {
    addNote(t(`variants.stopped-${session}`, { error }), 'error');
    if (session === 'pretrain') { running = false; run.disabled = false; }
  }

  async function ready() {
    try {
      variants = await worker.call('cae', 'variants');
      buildVariantRows();
      for (const v of variants) {
        const model = variantLabel(v);
        await worker.load({ session: 'cae', method: 'load_weights', args: [v.name], path: `weights/${v.name}.bpk`, label: message('asset.variant', { model }) })
          .catch((error) => addNote(t('variants.variant-untrained', { error: String(error.message ?? error), model }), 'error'));
      }
    } catch (error) {
      fail(error);
    }
    for (const id of ['variants-random-digit', 'pretrain-run']) $(id).disabled = false;
    await Promise.all([caeQuery(), convQuery()]);
    await showStrip();
    if (!$('pretrain-table').tBodies[0].rows.length) await loadTable();
    await showFilters();
    root.dataset.ready = 'true';
    worker.call('cae', 'test_figures').then((f) => {
      const rows = $('cae-models').querySelectorAll('tr');
      f.errors.forEach((e, i) => {
        rows[i].querySelector('[data-col=test-error]').textContent = fixed(e, 2);
        rows[i].querySelector('[data-col=test-jacobian]').textContent = fixed(f.jacobians[i], 2);
      });
      $('cae-test-digits').textContent = number(f.testDigits);
    }).catch(fail);
    worker.loop('conv', 'measure').catch(fail);
    const shipped = variants.some((v) => !v.denoising && v.lambda === lambda());
    if (!shipped) trainAt(lambda()).catch(fail);
  }

  function onRestart() {
    root.dataset.ready = 'false';
    trainingDigitsLoaded = { cae: false, pretrain: false };
    running = false;
    for (const id of ['variants-random-digit', 'pretrain-run']) $(id).disabled = true;
    for (const id of convViews) clearImage($(id));
  }

  // No request in flight or waiting, no λ change waiting for its pause (see www/main.js:
  // window.__latentLabIdle).
  const idle = () => lambdaTimer === null && caeQuery.idle() && convQuery.idle() && shifts.idle();

  return { ready, onLoop, onLoopStopped, onRestart, idle };
}
