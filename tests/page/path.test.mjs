// The path through lectures 16–18 (issue 26): the landing view lists the steps, each with its
// picture and a link; every step opens its demo in the step's state (its URL settings applied),
// the demo loads, and the step's section is in view and highlighted; the lesson bar shows the
// step and moves along the path by keyboard; the view is in Chinese with ?lang=zh; axe-core finds
// no violation on the path view in either language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { serveAndLaunch, root, artefacts } from './browser.mjs';
import { STEPS } from '../../www/path/steps.js';
import en from '../../www/i18n/path.en.js';
import zh from '../../www/i18n/path.zh.js';

const env = serveAndLaunch();
const LONG = { timeout: 180_000 };
const MAX_PICTURE_BYTES = 30_000;
// A step's text as shown: the table's HTML without its markup.
const plain = (html) => html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&');

async function open(url, { context = env.browser, viewport = { width: 1200, height: 1300 } } = {}) {
  const page = await context.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  return { page, errors };
}
const ready = (page, demo) => page.waitForFunction((name) => document.querySelector(`[data-demo="${name}"]`)?.dataset.ready === 'true', demo, LONG);

// Each [data-step] of the landing list: its id, title, picture and link.
const listed = (page) => page.locator('[data-testid=path] [data-step]').evaluateAll((items) => items.map((item) => ({
  id: item.dataset.step,
  title: item.querySelector('h4 a')?.textContent,
  text: item.querySelector('p')?.textContent,
  picture: item.querySelector('img')?.getAttribute('src'),
  lazy: item.querySelector('img')?.loading,
  href: item.querySelector('a[href]')?.getAttribute('href'),
})));

test('the page without ?demo= is the path: every step listed in order, with its picture and its link', async () => {
  for (const url of [env.server.url, `${env.server.url}?demo=path&lang=en`]) {
    const { page, errors } = await open(url);
    try {
      await ready(page, 'path');
      const steps = await listed(page);
      assert.ok(steps.length >= 15 && steps.length <= 25, `15 to 25 steps (${steps.length})`);
      assert.deepEqual(steps.map((s) => s.id), STEPS.map((s) => s.id), 'the steps in the lectures\' order');
      for (const [i, step] of steps.entries()) {
        assert.equal(step.title, en[`path.${step.id}.title`], `${step.id}: its title`);
        assert.equal(step.text, plain(en[`path.${step.id}.text`]), `${step.id}: its text`);
        assert.equal(step.picture, STEPS[i].picture, `${step.id}: its picture`);
        assert.equal(step.lazy, 'lazy', `${step.id}: its picture loads lazily`);
        const bytes = statSync(`${root}/${step.picture}`).size;
        assert.ok(bytes > 1000 && bytes <= MAX_PICTURE_BYTES, `${step.id}: picture of ${bytes} bytes`);
        const href = new URLSearchParams(step.href);
        assert.equal(href.get('step'), step.id, `${step.id}: its link names the step`);
        assert.equal(href.get('demo'), STEPS[i].demo, `${step.id}: its link opens ${STEPS[i].demo}`);
      }
      // A picture arrives as it comes into view, and is a real image.
      const last = page.locator('[data-testid=path] [data-step] img').last();
      await last.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=path] img')].at(-1).naturalWidth > 0, null, { timeout: 30_000 });
      assert.equal(await page.locator('[data-demo=path]').getAttribute('data-ready'), 'true');
      assert.equal(await page.locator('nav [data-demo-link=path]').getAttribute('aria-current'), 'page', 'the nav shows the path');
      assert.equal(await page.locator('nav [data-demo-link]').count(), 9, 'the nav keeps every demo, and the path');
      assert.equal(await page.locator('main > section[data-demo]').count(), 1, 'no demo section under the path');
      assert.equal(page.workers().length, 0, 'no model worker');
      assert.deepEqual(await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((name) => /\.(wasm|bpk)$/.test(name))), [], 'no model or weights loaded');
      assert.deepEqual(errors, [], 'no errors');
    } finally {
      await page.close();
    }
  }
});

// Every step, as a visitor reaches it: its link from the landing view.
test('every step opens its demo in the step\'s state, loaded, its section in view and highlighted', async () => {
  const { page: landing } = await open(`${env.server.url}?backend=cpu`);
  await ready(landing, 'path');
  const links = Object.fromEntries((await listed(landing)).map((s) => [s.id, s.href]));
  await landing.close();
  const times = [];
  for (const step of STEPS) {
    const started = Date.now();
    const { page, errors } = await open(new URL(links[step.id], env.server.url).href);
    try {
      await ready(page, step.demo);
      const seen = await page.evaluate(({ section, settings }) => {
        const target = document.getElementById(section);
        const box = target.getBoundingClientRect();
        const bar = document.querySelector('[data-testid=lesson-bar]').getBoundingClientRect();
        const { state } = window.latentLab;
        return {
          settings: Object.fromEntries(Object.keys(settings).map((name) => [name, state[name]])),
          step: state.step,
          highlighted: target.classList.contains('lesson-focus') && getComputedStyle(target).outlineStyle !== 'none',
          top: box.top, barTop: bar.top, height: innerHeight,
          bar: document.querySelector('[data-testid=lesson-bar] h2').textContent,
        };
      }, step);
      assert.equal(seen.step, step.id);
      assert.deepEqual(seen.settings, step.settings, `${step.id}: the step's settings are applied`);
      assert.ok(seen.highlighted, `${step.id}: #${step.section} is highlighted`);
      assert.ok(seen.top >= 0 && seen.top < seen.barTop - 40, `${step.id}: #${step.section} in view above the lesson bar (top ${seen.top.toFixed(0)}, bar at ${seen.barTop.toFixed(0)})`);
      assert.equal(seen.bar, en[`path.${step.id}.title`], `${step.id}: the lesson bar shows the step`);
      assert.deepEqual(errors, [], `${step.id}: no errors`);
      if (step.id === 'vae-interpolation') await page.screenshot({ path: `${artefacts}/path-step-${step.id}.png` });
    } finally {
      await page.close();
    }
    times.push(`${step.id} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`steps opened: ${times.join(', ')}`);
});

test('the lesson bar: previous and next by keyboard, back to the path; a link with only ?step= opens the step', async () => {
  const index = STEPS.findIndex((s) => s.id === 'pca');
  const [previous, step, next] = STEPS.slice(index - 1, index + 2);
  const { page, errors } = await open(`${env.server.url}?step=${step.id}&backend=cpu`);
  try {
    await ready(page, step.demo);
    const bar = page.getByTestId('lesson-bar');
    assert.equal(await bar.locator('h2').textContent(), en[`path.${step.id}.title`]);
    assert.equal(await bar.locator('p').nth(1).textContent(), plain(en[`path.${step.id}.text`]));
    assert.deepEqual(await page.evaluate(() => window.latentLab.state['lab-components']), step.settings['lab-components'], 'the step\'s setting, from ?step= alone');
    assert.match(await page.getByTestId('lesson-next').textContent(), new RegExp(en[`path.${next.id}.title`]));

    // The bar comes last in the page: Shift+Tab from the top reaches "next", Enter follows it.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'lesson-next', 'next is reachable by keyboard');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('step') === next.id), page.keyboard.press('Enter')]);
    await ready(page, next.demo);
    assert.equal(await page.getByTestId('lesson-bar').locator('h2').textContent(), en[`path.${next.id}.title`], 'next: the next step');

    await page.getByTestId('lesson-prev').focus();
    await Promise.all([page.waitForURL((url) => url.searchParams.get('step') === step.id), page.keyboard.press('Enter')]);
    await ready(page, step.demo);
    await page.getByTestId('lesson-prev').focus();
    await Promise.all([page.waitForURL((url) => url.searchParams.get('step') === previous.id), page.keyboard.press('Enter')]);
    await ready(page, previous.demo);
    assert.equal(await page.getByTestId('lesson-bar').locator('h2').textContent(), en[`path.${previous.id}.title`], 'previous: the step before');
    assert.equal(await page.getByTestId('lesson-prev').getAttribute('aria-disabled'), 'true', 'the first step has no previous');
    assert.equal(await page.getByTestId('lesson-prev').getAttribute('href'), null);

    await page.getByTestId('lesson-back').focus();
    await Promise.all([page.waitForURL((url) => url.searchParams.get('demo') === 'path'), page.keyboard.press('Enter')]);
    await ready(page, 'path');
    assert.equal(await page.locator('[data-testid=path] [data-step]').count(), STEPS.length, 'back on the path');
    assert.equal(new URL(page.url()).searchParams.get('backend'), 'cpu', 'the links keep the backend');
    assert.deepEqual(errors, [], 'no errors');
  } finally {
    await page.close();
  }
  // The last step has no next.
  const last = STEPS.at(-1);
  const { page: end } = await open(`${env.server.url}?step=${last.id}&backend=cpu`);
  try {
    await ready(end, last.demo);
    assert.equal(await end.getByTestId('lesson-next').getAttribute('aria-disabled'), 'true', 'the last step has no next');
  } finally {
    await end.close();
  }
});

test('?lang=zh: the path and the lesson bar in Chinese, <html lang> zh', async () => {
  const { page, errors } = await open(`${env.server.url}?lang=zh`);
  try {
    await ready(page, 'path');
    assert.match(await page.evaluate(() => document.documentElement.lang), /^zh/);
    const steps = await listed(page);
    assert.deepEqual(steps.map((s) => s.title), STEPS.map((s) => zh[`path.${s.id}.title`]), 'the Chinese titles');
    assert.equal(await page.locator('#path-title').textContent(), zh['path.title']);
    assert.equal(new URLSearchParams(steps[0].href).get('lang'), 'zh', 'the links keep the language');
    await page.screenshot({ path: `${artefacts}/path-zh.png` });
    assert.deepEqual(errors, [], 'no errors');
  } finally {
    await page.close();
  }
  const step = STEPS.find((s) => s.id === 'why-vae');
  const { page: lesson } = await open(`${env.server.url}?step=${step.id}&lang=zh&backend=cpu`);
  try {
    await ready(lesson, step.demo);
    assert.equal(await lesson.getByTestId('lesson-bar').locator('h2').textContent(), zh[`path.${step.id}.title`]);
    assert.equal(await lesson.getByTestId('lesson-back').textContent(), zh['path.back']);
  } finally {
    await lesson.close();
  }
});

// axe-core is injected as an inline script, which the policy blocks: this context alone bypasses it.
for (const lang of ['en', 'zh']) {
  test(`the path in ${lang}: axe-core finds no accessibility violation`, async () => {
    const context = await env.browser.newContext({ bypassCSP: true });
    try {
      const { page } = await open(`${env.server.url}?demo=path&lang=${lang}`, { context });
      await ready(page, 'path');
      await page.addScriptTag({ path: `${root}/node_modules/axe-core/axe.min.js` });
      const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
        .map(({ id, impact, nodes }) => `${id} (${impact}): ${nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
      assert.deepEqual(violations, [], 'axe violations');
    } finally {
      await context.close();
    }
  });
}
