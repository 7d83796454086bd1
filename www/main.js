// Wiring: which demo this page shows, URL settings, the model worker, the header's status.
// First: a browser language the libraries below can hand to Intl (www/ui/locale.js says why).
import './ui/locale.js';
// The language first: every module after it may look up strings.
import './i18n/start.js';
import { t, say } from './i18n/i18n.js';
import { ModelWorker } from './ui/worker-client.js';
import { showBackend, showNote, addNote, showProgress, hideProgress } from './ui/status.js';
import { readSettings, writeSetting } from './ui/settings.js';
import { keepForOffline } from './ui/offline.js';
import * as autoencoder from './demos/autoencoder.js';
import * as aeLab from './demos/ae-lab.js';
import * as aeVariants from './demos/ae-variants.js';
import * as gan from './demos/gan.js';
import * as vae from './demos/vae.js';
import * as pixelrnn from './demos/pixelrnn.js';
import * as text from './demos/text.js';
import * as compare from './demos/compare.js';
import * as path from './demos/path.js';
import { STEPS, stepById, withStepDefaults } from './path/steps.js';
import { mountLessonBar } from './ui/lesson-bar.js';

// Every demo: its page module exports `demo` (what the worker loads), `settings` (its URL
// settings) and `mount(worker, state, setSetting)`, which returns {ready, onLoop, onLoopStopped,
// onRestart} and, where the demo holds work back from the worker, `idle()`.
const demos = { autoencoder, 'ae-lab': aeLab, 'ae-variants': aeVariants, vae, gan, pixelrnn, text, compare };

// Every setting the URL can carry, with its default and allowed values.
const table = {
  // The path through the lectures (www/demos/path.js) is the landing view; it runs no models.
  demo: { default: 'path', values: ['path', ...Object.keys(demos)] },
  // A step of the path, shown in the lesson bar over its demo (www/ui/lesson-bar.js).
  step: { default: '', values: ['', ...STEPS.map((step) => step.id)] },
  backend: { default: 'auto', values: ['auto', 'webgpu', 'cpu'] },
  // On the CPU: the demo's own choice of build (its `threads`), or one thread, or the pool of
  // every core where the page is cross-origin isolated: for measuring a demo both ways.
  threads: { default: 'auto', values: ['auto', 'one', 'pool'] },
  ...Object.assign({}, ...Object.values(demos).map((d) => d.settings)),
};

const state = readSettings(table, withStepDefaults(location.search));
const onPath = state.demo === 'path';
const setSetting = (name, value) => { state[name] = value; writeSetting(table, name, value); };

// The navigation keeps the backend and the language asked for in the URL; only the chosen demo's section stays in the page (the
// others are removed, so every data-testid is unique in the live document).
for (const link of document.querySelectorAll('nav [data-demo-link]')) {
  const name = link.dataset.demoLink;
  const params = new URLSearchParams({ demo: name });
  if (state.backend !== table.backend.default) params.set('backend', state.backend);
  const lang = new URLSearchParams(location.search).get('lang');
  if (lang) params.set('lang', lang);
  link.href = `?${params}`;
  if (name === state.demo) link.setAttribute('aria-current', 'page');
}
for (const section of document.querySelectorAll('main > section[data-demo]')) {
  if (section.dataset.demo === state.demo) section.hidden = false;
  else section.remove();
}

const backendSelect = document.getElementById('backend-select');
backendSelect.value = state.backend;
backendSelect.addEventListener('change', () => {
  const params = new URLSearchParams(location.search);
  params.set('backend', backendSelect.value);
  location.search = params.toString();
});

let shown;

function onEvent(event) {
  if (event.event === 'progress') showProgress(event.text, event.fraction);
  else if (event.event === 'loop') shown.onLoop(event.session, event.result);
  else if (event.event === 'loop-stopped') shown.onLoopStopped(event.session, event.error && say(event.error));
  else if (event.event === 'error') addNote(event.error, 'error');
}

async function started(ready) {
  try {
    const { info, problems: said } = await ready;
    const problems = said.map(say);
    showBackend(info);
    if (info.note) addNote(info.note);
    if (info.threadsNote && info.backend === 'cpu') addNote(info.threadsNote);
    for (const problem of problems) addNote(problem, 'error');
    await shown.ready(problems);
  } catch (error) {
    hideProgress();
    showNote(t('main.could-not-start', { error: String(error.message ?? error) }), 'error');
  }
}

const worker = onPath ? null : new ModelWorker({
  backend: state.backend,
  demo: state.threads === 'auto' ? demos[state.demo].demo : { ...demos[state.demo].demo, threads: state.threads === 'pool' },
  onEvent,
  onRestart: (reason, ready) => {
    shown.onRestart();
    showNote(t(worker.backend === 'cpu' ? 'main.restarted-cpu' : 'main.restarted', { reason }), 'error');
    started(ready);
  },
});
shown = onPath ? path.mount() : demos[state.demo].mount(worker, state, setSetting);
const step = stepById(state.step);
if (step?.demo === state.demo) mountLessonBar(step, document.querySelector(`[data-demo="${state.demo}"]`));
if (onPath) document.querySelector('[data-testid=backend]').textContent = t('path.no-models');
// For page tests (tests/page/browser.mjs: settle): true when the worker owes no reply and the
// demo has nothing of its own waiting (its `idle()`, where it has such work: a pause before a
// query, a painting paced by animation frames).
window.__latentLabIdle = () => (worker?.idle() ?? true) && (shown.idle?.() ?? true);
// A handle for page tests and for poking at the models from the console.
window.latentLab = { worker, state };
// Offline copy of what this visit used (the page's files and its model worker's), asked for once
// the demo has started so that it does not slow the start; every demo only on the footer's button.
const used = async () => [location.href, ...performance.getEntriesByType('resource').map((entry) => entry.name),
  ...(worker ? await worker.used().catch(() => []) : [])];
(onPath ? Promise.resolve() : started(worker.ready)).then(() => keepForOffline(document.getElementById('offline-status'),
  document.getElementById('offline-keep-all'), used));
