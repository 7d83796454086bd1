// Text (?demo=text): fortunes on two maps (the 2-D auto-encoder's code and PCA), a typed query
// answered by the nearest documents by code and by word overlap, precision@10 by topic over the
// held-out documents both ways; a sentence VAE walking from one sentence to another, and
// sentences from random codes. Drawing, display and event forwarding only: every model's
// arithmetic runs in the worker's TextSession.
import { Scatter } from '../ui/scatter.js';
import { addNote, hideProgress } from '../ui/status.js';
import { loadWhenNear } from '../ui/on-demand.js';
import { latestOnly } from '../ui/latest-only.js';
import { t, tNodes, message, fixed, number, has } from '../i18n/i18n.js';

// Words of the English corpus inside a sentence of the page: marked as English.
const english = (text) => Object.assign(document.createElement('span'), { lang: 'en', textContent: text });
// A topic of the corpus (its folder name, e.g. "startrek") in the page's language.
const topicName = (name) => (has(`text.topic.${name}`) ? t(`text.topic.${name}`) : name);

const $ = (id) => document.querySelector(`[data-testid=${id}]`) ?? document.getElementById(id);
// One colour per topic (ten topics), distinct on the dark background.
const TOPIC_COLORS = ['#f87171', '#fb923c', '#facc15', '#a3e635', '#34d399', '#22d3ee', '#60a5fa', '#a78bfa', '#f472b6', '#e5e7eb'];
const K = 10; // results per list, and the k of precision@k
const QUERY_PAUSE_MS = 250; // typing settles before a query is sent

export const demo = {
  sessions: { text: 'TextSession' },
  // What the first sections (the maps and the search) need; the poetry section's model loads
  // when that section comes near the screen (`poetryAssets`).
  assets: [
    { session: 'text', method: 'load_corpus', path: 'data/text/fortunes.tsv.gz', label: message('asset.fortunes') },
    { session: 'text', method: 'load_weights', args: ['text-ae'], path: 'weights/text-ae.bpk', label: message('asset.text-ae'), problem: message('problem.text-ae-untrained') },
    { session: 'text', method: 'load_weights', args: ['text-ae2d'], path: 'weights/text-ae2d.bpk', label: message('asset.text-ae2d'), problem: message('problem.text-ae2d-untrained') },
    { session: 'text', method: 'load_weights', args: ['text-pca'], path: 'weights/text-pca.bpk', label: message('asset.text-pca'), problem: message('problem.text-pca-empty') },
  ],
  threads: false,
};
// The sentence VAE (4.6 MB of the page's 10.8): the sentence corpus before the weights, as the
// vocabulary, and so the model's shape, comes from it.
const poetryAssets = [
  { session: 'text', method: 'load_sentences', path: 'data/text/sentences.tsv.gz', label: message('asset.sentences'), problem: message('problem.sentence-vae-off') },
  { session: 'text', method: 'load_weights', args: ['sentence-vae'], path: 'weights/sentence-vae.bpk', needs: 'data/text/sentences.tsv.gz', label: message('asset.sentence-vae'), problem: message('problem.sentence-vae-off') },
];

export const settings = {
  // The query, so a search can be shared as a link: up to 200 characters of any text.
  'text-query': { default: '', pattern: /^[^\u0000-\u001f]{0,200}$/ },
};

export function mount(worker, state, setSetting) {
  const root = document.querySelector('[data-demo=text]');
  const fail = (error) => { if (!error.restarting) addNote(String(error.message ?? error), 'error'); };
  const codeMap = new Scatter($('text-map'), { colors: TOPIC_COLORS, legend: false });
  const pcaMap = new Scatter($('text-pca-map'), { colors: TOPIC_COLORS, legend: false });
  let topicNames = [];
  let examples = [];
  let vaeReady = false;

  const queryInput = $('text-query');
  queryInput.value = state['text-query'];

  function hitItem(hit) {
    const item = document.createElement('li');
    const topic = document.createElement('span');
    topic.className = 'topic';
    topic.lang = document.documentElement.lang; // the list holds English documents; this is the page's
    topic.textContent = t('text.hit', { topic: topicName(topicNames[hit.topic] ?? String(hit.topic)), distance: fixed(hit.distance, 2) });
    item.append(hit.text, topic);
    item.dataset.topic = topicNames[hit.topic] ?? '';
    return item;
  }

  function showAnswer(answer) {
    const known = answer.knownWords;
    $('text-known-words').replaceChildren(...(queryInput.value.trim() === ''
      ? [t('text.type-words')]
      : known.length
        ? tNodes('text.known-words', { words: english(known.join(', ')) })
        : [t('text.no-known-words')]));
    $('text-results-code').replaceChildren(...answer.byCode.map(hitItem));
    $('text-results-words').replaceChildren(...answer.byWords.map(hitItem));
    codeMap.mark(answer.autoencoder ?? null);
    pcaMap.mark(answer.pca ?? null);
    $('text-map').dataset.query = answer.autoencoder ? answer.autoencoder.map((v) => v.toFixed(3)).join(',') : '';
  }

  const query = latestOnly(() => worker.call('text', 'query', [queryInput.value, K]), showAnswer, fail);
  let pause = null;
  queryInput.addEventListener('input', () => {
    setSetting('text-query', queryInput.value);
    clearTimeout(pause);
    pause = setTimeout(() => { pause = null; query(); }, QUERY_PAUSE_MS);
  });
  queryInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { clearTimeout(pause); pause = null; query(); }
  });

  function showMap(map) {
    topicNames = map.topicNames;
    codeMap.setPoints(map.autoencoder, map.topics);
    pcaMap.setPoints(map.pca, map.topics);
    $('text-map').dataset.points = String(map.topics.length);
    $('text-legend').replaceChildren(...topicNames.map((name, i) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.style.background = TOPIC_COLORS[i];
      item.append(swatch, topicName(name));
      return item;
    }));
  }

  function showPrecision(p) {
    const el = $('text-precision');
    el.textContent = t('text.precision-result', { k: p.k, queries: p.queries, index: number(p.index), code: fixed(p.byCode, 3), words: fixed(p.byWords, 3) });
    Object.assign(el.dataset, { code: p.byCode.toFixed(4), words: p.byWords.toFixed(4), k: String(p.k) });
  }

  // Poetry: two sentences → the path between their codes.
  const endA = $('poetry-a');
  const endB = $('poetry-b');
  const sentenceItems = (lines) => lines.map((line) => {
    const item = document.createElement('li');
    if (line) item.textContent = line;
    else item.append(Object.assign(document.createElement('span'), { lang: document.documentElement.lang, textContent: t('text.empty') }));
    return item;
  });

  async function interpolate() {
    const steps = Number($('poetry-count').value) || 7;
    const temperature = Number($('poetry-temperature').value) || 0.7;
    const beam = Number($('poetry-beam').value) || 1;
    $('poetry-go').disabled = true;
    try {
      const poetry = await worker.call('text', 'interpolate', [endA.value, endB.value, steps, beam, temperature]);
      $('poetry-read-as').replaceChildren(...tNodes('text.read-as', { a: english(poetry.a), b: english(poetry.b) }),
        ...(poetry.unknown.length ? tNodes('text.unknown', { words: english(poetry.unknown.join(', ')) }) : []));
      $('poetry-steps').replaceChildren(...sentenceItems(poetry.decoded));
      $('poetry-steps').dataset.beam = poetry.beam;
      $('poetry-steps-title').textContent = poetry.beam > 1 ? t('text.beam-title', { beam: poetry.beam }) : t('text.greedy-title');
      $('poetry-steps').dataset.a = poetry.a;
      $('poetry-steps').dataset.b = poetry.b;
      $('poetry-sampled').replaceChildren(...sentenceItems(poetry.sampled));
    } catch (error) {
      fail(error);
    } finally {
      $('poetry-go').disabled = !vaeReady;
    }
  }
  $('poetry-go').addEventListener('click', interpolate);
  for (const input of [endA, endB]) {
    input.addEventListener('keydown', (event) => { if (event.key === 'Enter' && vaeReady) interpolate(); });
  }
  $('poetry-pick').addEventListener('click', () => {
    const pick = () => examples[crypto.getRandomValues(new Uint32Array(1))[0] % examples.length];
    endA.value = pick();
    endB.value = pick();
    interpolate();
  });

  async function prior() {
    const temperature = Number($('poetry-temperature').value) || 0.7;
    try {
      const lines = await worker.call('text', 'prior', [6, temperature]);
      $('poetry-prior').replaceChildren(...sentenceItems(lines));
    } catch (error) {
      fail(error);
    }
  }
  $('poetry-prior-go').addEventListener('click', prior);

  async function ready(problems) {
    const failed = (file) => problems.some((p) => p.includes(file));
    if (!failed('fortunes.tsv.gz')) {
      queryInput.disabled = false;
      try {
        showMap(await worker.call('text', 'map'));
        if (queryInput.value) await query();
        else $('text-known-words').textContent = t('text.type-words');
      } catch (error) {
        fail(error);
      }
    }
    hideProgress();
    root.dataset.ready = 'true';
    if (!failed('fortunes.tsv.gz')) worker.call('text', 'precision', [K]).then(showPrecision).catch(fail);
    poetryModel.watch(); // again after a restart: the new worker has no sentence VAE
  }

  // The poetry section's model, fetched once the section comes near (www/ui/on-demand.js); its
  // `data-ready` says when it is done. (At 1200 × 700 the section starts 314 px below the fold;
  // on a phone, 1,200.)
  const poetryModel = loadWhenNear($('poetry'), worker, poetryAssets, async (failed) => {
    vaeReady = failed.length === 0;
    if (!vaeReady) return;
    examples = await worker.call('text', 'examples');
    $('poetry-examples').replaceChildren(...examples.map((line) => Object.assign(document.createElement('option'), { value: line })));
    if (!endA.value) endA.value = examples[0] ?? '';
    if (!endB.value) endB.value = examples[Math.floor(examples.length / 2)] ?? '';
    for (const id of ['poetry-a', 'poetry-b', 'poetry-go', 'poetry-pick', 'poetry-prior-go']) $(id).disabled = false;
    prior();
  });

  function onRestart() {
    root.dataset.ready = 'false';
    poetryModel.reset();
    vaeReady = false;
    for (const id of ['text-query', 'poetry-a', 'poetry-b', 'poetry-go', 'poetry-pick', 'poetry-prior-go']) $(id).disabled = true;
  }

  // No query in flight, waiting, or waiting for the typing to pause, and no model of a section
  // near the screen on its way (see www/main.js: window.__latentLabIdle).
  const idle = () => pause === null && query.idle() && !poetryModel.pending();

  return { ready, onLoop: () => {}, onLoopStopped: () => {}, onRestart, idle };
}
