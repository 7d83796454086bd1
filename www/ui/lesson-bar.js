// The lesson bar: in a demo opened from the path (?step=<id>), the step's title and words,
// previous / next along the path and the way back to it, fixed at the bottom of the window. The
// step's part of the demo is scrolled into view and highlighted.
import { t } from '../i18n/i18n.js';
import { STEPS, stepHref, pathHref } from '../path/steps.js';

function link(testid, key, href, params = {}) {
  const element = document.createElement('a');
  if (testid) element.dataset.testid = testid;
  element.textContent = t(key, params);
  if (href) element.href = href;
  else element.setAttribute('aria-disabled', 'true'); // no step there: shown, not a link
  return element;
}

export function mountLessonBar(step, root) {
  const index = STEPS.indexOf(step);
  const previous = STEPS[index - 1];
  const next = STEPS[index + 1];

  const bar = document.createElement('aside');
  bar.className = 'lesson-bar';
  bar.dataset.testid = 'lesson-bar';
  bar.dataset.step = step.id;
  bar.setAttribute('aria-labelledby', 'lesson-title');
  const where = document.createElement('p');
  where.className = 'lesson-where';
  where.textContent = t('path.where', { lecture: step.lecture, n: index + 1, total: STEPS.length });
  const title = document.createElement('h2');
  title.id = 'lesson-title';
  title.textContent = t(`path.${step.id}.title`);
  const words = document.createElement('p');
  words.innerHTML = t(`path.${step.id}.text`); // markup of our own table: English terms and names marked
  const nav = document.createElement('nav');
  nav.setAttribute('aria-label', t('path.bar-nav'));
  nav.append(
    link('lesson-prev', previous ? 'path.prev' : 'path.prev-none', previous && stepHref(previous), { title: previous && t(`path.${previous.id}.title`) }),
    link('lesson-back', 'path.back', pathHref()),
    link('lesson-next', next ? 'path.next' : 'path.next-none', next && stepHref(next), { title: next && t(`path.${next.id}.title`) }),
  );
  const body = document.createElement('div');
  body.className = 'lesson-words';
  body.append(where, title, words);
  bar.append(body, nav);
  document.body.append(bar);
  document.body.classList.add('with-lesson-bar');
  // The page keeps room below its end for the bar, whatever its height.
  new ResizeObserver(() => document.body.style.setProperty('--lesson-bar-height', `${bar.offsetHeight}px`)).observe(bar);

  const target = document.getElementById(step.section);
  if (!target) return bar;
  target.classList.add('lesson-focus');
  // Brought into view now and again once the demo is ready (its charts and pictures change the
  // layout as they load), unless the visitor has scrolled meanwhile.
  let moved = false;
  const mark = () => { moved = true; };
  for (const type of ['wheel', 'touchmove', 'keydown', 'pointerdown']) addEventListener(type, mark, { once: true, passive: true });
  const show = () => target.scrollIntoView({ block: 'start' });
  show();
  new MutationObserver((changes, observer) => {
    if (root.dataset.ready !== 'true') return;
    observer.disconnect();
    if (!moved) show();
  }).observe(root, { attributes: true, attributeFilter: ['data-ready'] });
  return bar;
}
