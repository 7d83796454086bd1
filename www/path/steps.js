// The path through lectures 16–18: its steps in the lectures' order. Each step names the demo
// that shows its idea, the URL settings that put that demo in the right state, the element the
// lesson scrolls to and highlights (`section`, an id in index.html) and its picture (made by
// `scripts/lab path-pictures`). The words are in the tables: `path.<id>.title` and
// `path.<id>.text` in www/i18n/path.en.js and path.zh.js.
export const STEPS = [
  // Lecture 16: auto-encoders.
  { id: 'autoencoder', lecture: 16, demo: 'autoencoder', settings: {}, section: 'ae-grid' },
  { id: 'pca', lecture: 16, demo: 'ae-lab', settings: { 'lab-components': 10 }, section: 'lab-compare' },
  { id: 'deep-vs-pca', lecture: 16, demo: 'ae-lab', settings: {}, section: 'lab-error-figure' },
  { id: 'codes-2d', lecture: 16, demo: 'ae-lab', settings: {}, section: 'lab-maps' },
  { id: 'text-retrieval', lecture: 16, demo: 'text', settings: { 'text-query': 'the program crashed on my computer' }, section: 'text-maps' },
  { id: 'image-search', lecture: 16, demo: 'ae-lab', settings: { 'lab-digit': 1 }, section: 'lab-search' },
  { id: 'pretraining', lecture: 16, demo: 'ae-variants', settings: {}, section: 'pretrain-table' },
  { id: 'denoising-contractive', lecture: 16, demo: 'ae-variants', settings: { 'cae-lambda': 1 }, section: 'cae-compare' },
  { id: 'conv-ae', lecture: 16, demo: 'ae-variants', settings: {}, section: 'conv-rebuilds' },
  { id: 'decoder-generator', lecture: 16, demo: 'ae-lab', settings: {}, section: 'lab-generator' },
  { id: 'l2-trick', lecture: 16, demo: 'ae-lab', settings: { 'lab-l2': '1' }, section: 'lab-generator' },
  // Lecture 17: deep generative models, PixelRNN and the VAE.
  { id: 'pixelrnn', lecture: 17, demo: 'pixelrnn', settings: {}, section: 'pixel-paint' },
  { id: 'pixelrnn-tips', lecture: 17, demo: 'pixelrnn', settings: { 'pixel-model': 'levels4' }, section: 'pixel-completion' },
  { id: 'vae-levers', lecture: 17, demo: 'vae', settings: {}, section: 'vae-levers' },
  { id: 'vae-interpolation', lecture: 17, demo: 'vae', settings: { 'vae-a': 2, 'vae-b': 3 }, section: 'vae-ends' },
  { id: 'why-vae', lecture: 17, demo: 'vae', settings: {}, section: 'vae-structure' },
  { id: 'vae-sigma', lecture: 17, demo: 'vae', settings: {}, section: 'vae-loss-charts' },
  { id: 'vae-imitates', lecture: 17, demo: 'vae', settings: {}, section: 'vae-imitation' },
  // Lecture 18: generative adversarial networks, and the three generators side by side.
  { id: 'gan-mimicry', lecture: 18, demo: 'gan', settings: {}, section: 'gan-grid' },
  { id: 'gan-1d', lecture: 18, demo: 'gan', settings: {}, section: 'gan1d-canvas' },
  { id: 'gan-problems', lecture: 18, demo: 'gan', settings: { 'gan1d-data': 'two' }, section: 'gan-quality' },
  { id: 'compare', lecture: 18, demo: 'compare', settings: {}, section: 'compare-grids' },
].map((step) => ({ ...step, picture: `www/path/pictures/${step.id}.webp` }));

export const LECTURES = [16, 17, 18];

export const stepById = (id) => STEPS.find((step) => step.id === id);

// Settings a link keeps from the page it is on: the backend chosen and the language.
const KEPT = ['backend', 'lang'];

// The URL of a step: its demo, its settings and the step itself, plus what the current page
// keeps (backend, language).
export function stepHref(step, search = location.search) {
  const params = new URLSearchParams({ demo: step.demo, step: step.id });
  for (const [name, value] of Object.entries(step.settings)) params.set(name, String(value));
  keep(params, search);
  return `?${params}`;
}

// The URL of the landing view, keeping the backend and the language.
export function pathHref(search = location.search) {
  const params = new URLSearchParams({ demo: 'path' });
  keep(params, search);
  return `?${params}`;
}

function keep(params, search) {
  const current = new URLSearchParams(search);
  for (const name of KEPT) if (current.has(name)) params.set(name, current.get(name));
}

// A shared link may carry only `?step=<id>`: the step's demo and settings fill in what the URL
// leaves out (a setting the URL names wins, so a visitor's changes survive a reload).
export function withStepDefaults(search) {
  const params = new URLSearchParams(search);
  const step = stepById(params.get('step'));
  if (!step) return search;
  if (!params.has('demo')) params.set('demo', step.demo);
  if (params.get('demo') === step.demo) {
    for (const [name, value] of Object.entries(step.settings)) if (!params.has(name)) params.set(name, String(value));
  }
  return `?${params}`;
}
