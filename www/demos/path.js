// The path's landing view (?demo=path, the default): what the playground is, then the steps of
// lectures 16–18 in order, each with its picture, its words and a link that opens its demo in
// the state that shows it. No models here, so no worker: main.js skips it for this view.
import { t } from '../i18n/i18n.js';
import { STEPS, LECTURES, stepHref } from '../path/steps.js';

// The pictures' size as scripts/path-pictures.mjs writes them (CSS pixels), so the list does
// not jump as they arrive.
export const PICTURE = { width: 400, height: 250 };

// An element with its text from the table (data-i18n, so translate() can refill it); `html`
// for the steps' texts, whose markup marks English terms and names (the tables are ours).
function text(tag, key, attributes = {}, { html = false } = {}) {
  const element = document.createElement(tag);
  if (html) {
    element.innerHTML = t(key);
    element.dataset.i18nHtml = key;
  } else {
    element.textContent = t(key);
    element.dataset.i18n = key;
  }
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function stepItem(step, number) {
  const item = document.createElement('li');
  item.className = 'path-step';
  item.dataset.step = step.id;
  const picture = document.createElement('img');
  Object.assign(picture, { src: step.picture, alt: '', loading: 'lazy', decoding: 'async', width: PICTURE.width, height: PICTURE.height });
  const title = document.createElement('h4');
  const link = text('a', `path.${step.id}.title`, { href: stepHref(step) });
  const shown = document.createElement('span');
  shown.className = 'path-number';
  shown.textContent = `${number}.`;
  title.append(shown, link);
  item.append(picture, title, text('p', `path.${step.id}.text`, {}, { html: true }));
  return item;
}

export function mount() {
  const root = document.createElement('section');
  root.id = 'path';
  root.dataset.demo = 'path';
  root.dataset.ready = 'false';
  root.setAttribute('aria-labelledby', 'path-title');
  root.append(text('h2', 'path.title', { id: 'path-title' }), text('p', 'path.intro', { class: 'lede' }));

  const list = document.createElement('div');
  list.dataset.testid = 'path';
  list.className = 'path';
  let number = 1;
  for (const lecture of LECTURES) {
    const steps = STEPS.filter((step) => step.lecture === lecture);
    const group = document.createElement('div');
    group.className = 'path-lecture';
    const heading = text('h3', `path.lecture.${lecture}`, { id: `path-lecture-${lecture}` });
    const ordered = document.createElement('ol');
    ordered.start = number;
    ordered.setAttribute('aria-labelledby', heading.id);
    ordered.append(...steps.map((step, i) => stepItem(step, number + i)));
    group.append(heading, ordered);
    list.append(group);
    number += steps.length;
  }
  root.append(list);
  document.querySelector('main').prepend(root);
  root.dataset.ready = 'true';

  return { ready: async () => {}, onLoop() {}, onLoopStopped() {}, onRestart() {}, idle: () => true };
}
