// Wiring: URL settings, the model worker, the header's status, and the demos.
import { ModelWorker } from './ui/worker-client.js';
import { showBackend, showNote, addNote, showProgress, hideProgress } from './ui/status.js';
import { mountAutoencoder } from './demos/autoencoder.js';

// Every setting the URL can carry, with its default and allowed values.
const settings = {
  backend: { default: 'auto', values: ['auto', 'webgpu', 'cpu'] },
};

function readSettings() {
  const params = new URLSearchParams(location.search);
  return Object.fromEntries(Object.entries(settings).map(([name, spec]) => {
    const value = params.get(name);
    return [name, spec.values.includes(value) ? value : spec.default];
  }));
}

const state = readSettings();
const backendSelect = document.getElementById('backend-select');
backendSelect.value = state.backend;
backendSelect.addEventListener('change', () => {
  const params = new URLSearchParams(location.search);
  params.set('backend', backendSelect.value);
  location.search = params.toString();
});

let autoencoder;

function onEvent(event) {
  if (event.event === 'progress') showProgress(event.text, event.fraction);
  else if (event.event === 'train') autoencoder.onTrainProgress(event);
  else if (event.event === 'train-stopped') autoencoder.onTrainStopped(event.error);
  else if (event.event === 'error') addNote(event.error, 'error');
}

async function started(ready) {
  try {
    const { info, problems } = await ready;
    showBackend(info);
    if (info.note) addNote(info.note);
    if (info.threadsNote && info.backend === 'cpu') addNote(info.threadsNote);
    for (const problem of problems) addNote(problem, 'error');
    autoencoder.ready();
  } catch (error) {
    hideProgress();
    showNote(`The models could not start: ${error.message ?? error}`, 'error');
  }
}

const worker = new ModelWorker({
  backend: state.backend,
  onEvent,
  onRestart: (reason, ready) => {
    autoencoder.onRestart();
    showNote(`The model worker stopped (${reason}); restarted${worker.backend === 'cpu' ? ' on the CPU backend' : ''}.`, 'error');
    started(ready);
  },
});
autoencoder = mountAutoencoder(worker);
// A handle for page tests and for poking at the models from the console.
window.latentLab = { worker };
started(worker.ready);
