// The auto-encoder demo: forwards drawings and controls to the worker and paints what comes
// back. Requests are coalesced: while one is in flight, only the latest state is sent next.
import { DrawPad } from '../ui/drawpad.js';
import { showImage, showCode, clearImage } from '../ui/canvas.js';
import { LineChart } from '../ui/chart.js';
import { TrainButton } from '../ui/play.js';
import { showTiming, hideProgress, addNote } from '../ui/status.js';

const $ = (id) => document.querySelector(`[data-testid=${id}]`);
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// What the worker loads for this demo (paths relative to www/).
export const demo = {
  sessions: { autoencoder: 'AutoencoderSession' },
  assets: [
    { session: 'autoencoder', method: 'load_weights', args: ['ae'], path: 'weights/ae.bpk', label: 'AE weights', problem: 'the AE starts untrained.' },
    { session: 'autoencoder', method: 'load_weights', args: ['dae'], path: 'weights/dae.bpk', label: 'DAE weights', problem: 'the DAE starts untrained.' },
    { session: 'autoencoder', method: 'load_data', args: ['test'], path: 'data/mnist_test.bin.gz', label: 'MNIST test digits' },
  ],
  // One thread: in-page training of the AE measured 98–110 steps/s on one thread against 53–67
  // on two (2 cores; batch-64 products are too small for the pool's hand-offs).
  threads: false,
};
// Fetched the first time someone trains, not on page load.
const trainingDigits = { session: 'autoencoder', method: 'load_data', args: ['train'], path: 'data/mnist_train_10k.bin.gz', label: 'MNIST training digits' };

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
    x: 'steps', y: 'error per image (log)', log: true,
    series: [{ label: 'train', color: '#f59e0b' }, { label: 'test', color: '#38bdf8' }],
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
        showTiming(result.millis);
        hideProgress();
      } while (dirty);
    } catch (error) {
      if (!error.restarting) addNote(String(error.message ?? error), 'error');
    } finally {
      busy = false;
    }
  }

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
      caption.textContent = `test digit #${digit.index}, labelled ${digit.label}`;
      refresh();
    } catch (error) {
      addNote(String(error.message ?? error), 'error');
    }
  });
  noiseKind.addEventListener('change', refresh);
  noiseAmount.addEventListener('input', () => {
    amountText.textContent = Number(noiseAmount.value).toFixed(2);
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
    rate.textContent = `${report.stepsPerSecond.toFixed(1)} steps/s · train ${report.trainLoss.toFixed(2)} · test ${report.testLoss.toFixed(2)}`;
    rate.dataset.testLoss = String(report.testLoss);
    chart.add(report.steps, report.trainLoss, report.testLoss);
    refresh();
  }

  function onLoopStopped(session, reason) {
    train.set('idle');
    addNote(`Training stopped: ${reason}`, 'error');
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
  const idle = () => !busy && !dirty;

  return { ready, onLoop, onLoopStopped, onRestart, idle };
}
