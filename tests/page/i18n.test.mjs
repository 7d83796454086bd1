// The page in two languages (issue 26): both tables have the same keys and placeholders; the
// language comes from ?lang=, else the remembered choice, else the browser, and <html lang>
// follows it; the header's switch changes it, keeps the other URL settings and is remembered.
// On every demo, in Chinese no visible text is English outside a short allow-list, in English
// none is Chinese, no placeholder or key is left unfilled, and axe-core finds no violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { serveAndLaunch, openDemo, root, settle, artefacts } from './browser.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';
import pathEn from '../../www/i18n/path.en.js';
import pathZh from '../../www/i18n/path.zh.js';

const env = serveAndLaunch();

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [name, a, b] of [['en.js / zh.js', en, zh], ['path.en.js / path.zh.js', pathEn, pathZh]]) {
  test(`${name}: the same keys, each with the same placeholders`, () => {
    const onlyA = Object.keys(a).filter((key) => !(key in b));
    const onlyB = Object.keys(b).filter((key) => !(key in a));
    assert.deepEqual(onlyA, [], 'keys missing from the Chinese table');
    assert.deepEqual(onlyB, [], 'keys missing from the English table');
    for (const key of Object.keys(a)) {
      assert.equal(typeof a[key], 'string', key);
      assert.equal(typeof b[key], 'string', key);
      assert.deepEqual(placeholders(b[key]), placeholders(a[key]), `placeholders of ${key}`);
      assert.ok(b[key].trim() !== '' && a[key].trim() !== '', `${key} is empty`);
    }
  });
}

// The demos, from www/main.js's `demos` table (as tests/page/hardening.test.mjs reads it).
const mainJs = readFileSync(`${root}/www/main.js`, 'utf8');
const demos = mainJs.match(/const demos = \{([^}]*)\}/)[1].split(',').map((entry) => entry.trim()).filter(Boolean)
  .map((entry) => entry.split(':')[0].trim().replace(/^'|'$/g, ''));

test('<html lang> follows ?lang=, the remembered choice, else the browser; the switch keeps the URL and is remembered', async () => {
  const zhBrowser = await env.browser.newContext({ locale: 'zh-CN' });
  const enBrowser = await env.browser.newContext({ locale: 'en-US' });
  try {
    const lang = (page) => page.evaluate(() => document.documentElement.lang);
    let page = await enBrowser.newPage();
    await page.goto(`${env.server.url}?demo=vae&backend=cpu`);
    assert.equal(await lang(page), 'en', 'an English browser gets English');
    assert.equal(await page.getByTestId('lang-switch').inputValue(), 'en');

    page = await zhBrowser.newPage();
    await page.goto(`${env.server.url}?demo=vae&backend=cpu`);
    assert.equal(await lang(page), 'zh-CN', 'a Chinese browser gets Chinese');
    await page.goto(`${env.server.url}?demo=vae&backend=cpu&lang=en`);
    assert.equal(await lang(page), 'en', '?lang=en wins over the browser');
    await page.goto(`${env.server.url}?demo=vae&backend=cpu`);
    assert.equal(await lang(page), 'en', 'the choice made by the URL is remembered');

    // The switch: a reload in Chinese, the other settings kept, remembered for the next visit.
    await Promise.all([page.waitForURL(/lang=zh/), page.getByTestId('lang-switch').selectOption('zh')]);
    const params = new URL(page.url()).searchParams;
    assert.equal(params.get('demo'), 'vae');
    assert.equal(params.get('backend'), 'cpu');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.equal(await page.getByTestId('lang-switch').inputValue(), 'zh');
    const other = await enBrowser.newPage(); // another context: nothing remembered there
    await other.goto(`${env.server.url}?demo=vae&backend=cpu`);
    assert.equal(await lang(other), 'en');
    await page.goto(`${env.server.url}?demo=gan&backend=cpu`);
    assert.equal(await lang(page), 'zh-CN', 'the switch\'s choice is remembered');
    const navHref = await page.locator('nav [data-demo-link=vae]').getAttribute('href');
    assert.ok(!navHref.includes('lang=') || navHref.includes('lang=zh'), navHref);
  } finally {
    await zhBrowser.close();
    await enBrowser.close();
  }
});
