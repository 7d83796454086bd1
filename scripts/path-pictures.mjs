// The path's pictures (`scripts/lab path-pictures [step id…]`): for each step of the path
// (www/path/steps.js), opens its demo in the step's state in headless Chromium (CPU backend),
// waits until the models are loaded, does what makes the idea visible (a test digit, a painting,
// the shipped GAN checkpoint…), and photographs the step's section. Each photograph is scaled
// to fit 400 × 250 CSS pixels and encoded as WebP by the browser itself (no image tool needed),
// at the highest quality that keeps it under 30 kB, into www/path/pictures/<id>.webp. Then the
// landing view itself, in English and in Chinese, into docs/path-en.png and docs/path-zh.png.
// `scripts/lab path-pictures docs` makes only those two; naming step ids makes only their pictures.
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { STEPS, stepHref } from '../www/path/steps.js';
import { PICTURE } from '../www/demos/path.js';

const repository = fileURLToPath(new URL('..', import.meta.url));
const MAX_BYTES = 30_000;
const LONG = { timeout: 240_000 };

const enabled = (page, testid) => page.waitForFunction((id) => !document.querySelector(`[data-testid=${id}]`).disabled, testid, LONG);
const settle = (page) => page.waitForFunction(() => window.__latentLabIdle(), null, LONG);
const click = async (page, testid) => { await enabled(page, testid); await page.getByTestId(testid).click(); };

// What each step does before its picture, once its demo is ready (nothing: its state shows it).
export const ACTIONS = {
  autoencoder: (page) => click(page, 'random-digit'),
  'deep-vs-pca': (page) => page.waitForFunction(() => document.getElementById('lab-summary').textContent.trim() !== '', null, LONG),
  'text-retrieval': (page) => page.waitForFunction(() => document.querySelectorAll('#text-results-code li').length > 0, null, LONG),
  'image-search': (page) => page.waitForFunction(() => document.getElementById('search-code-labels').children.length > 0, null, LONG),
  pretraining: (page) => page.waitForFunction(() => Number(document.getElementById('pretrain-table').dataset.rows) > 0, null, LONG),
  'decoder-generator': (page) => page.waitForFunction(() => document.getElementById('decoder-share').textContent.trim() !== '', null, LONG),
  'l2-trick': async (page) => {
    await click(page, 'decoder-sample-prior');
    await page.waitForFunction(() => document.getElementById('decoder-samples-share').textContent.trim() !== '', null, LONG);
  },
  pixelrnn: async (page) => {
    await page.getByTestId('pixel-speed').fill('10'); // as fast as the machine allows
    await click(page, 'pixel-start');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=pixel-canvas]').dataset.painted) === 784, null, LONG);
  },
  'pixelrnn-tips': async (page) => {
    await page.waitForFunction(() => !document.getElementById('pixel-random-digit').disabled, null, LONG);
    await page.locator('#pixel-random-digit').click(); // a test digit to complete
    await click(page, 'pixel-complete');
    await page.waitForFunction(() => document.getElementById('pixel-completions').dataset.done === 'true', null, LONG);
  },
  'gan-mimicry': (page) => click(page, 'gan-load-shipped'),
  'gan-1d': async (page) => {
    await click(page, 'gan1d-play');
    await page.waitForTimeout(4000); // a few seconds of training: D's curve and G's density move
    await page.getByTestId('gan1d-play').click();
  },
  'gan-problems': (page) => click(page, 'gan-load-shipped'),
  compare: (page) => page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'true', null, LONG),
};

// The section's photograph (PNG), scaled to fit the picture's size on the panel's colour and
// encoded as WebP, in the page.
async function encode(page, png) {
  return page.evaluate(async ({ data, width, height, maxBytes }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    // Drawn at twice the CSS size, for screens with two device pixels per CSS pixel.
    const canvas = Object.assign(document.createElement('canvas'), { width: width * 2, height: height * 2 });
    const context = canvas.getContext('2d');
    context.fillStyle = '#181b22';
    context.fillRect(0, 0, canvas.width, canvas.height);
    const scale = Math.min(canvas.width / image.width, canvas.height / image.height);
    const [w, h] = [image.width * scale, image.height * scale];
    context.imageSmoothingQuality = 'high';
    context.drawImage(image, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    for (let quality = 0.85; ; quality -= 0.1) {
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/webp', quality));
      if (blob.type !== 'image/webp') throw new Error('this browser does not encode WebP');
      if (blob.size <= maxBytes || quality < 0.2) {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        return { quality, bytes: Array.from(bytes) };
      }
    }
  }, { data: png.toString('base64'), ...PICTURE, maxBytes: MAX_BYTES });
}

async function picture(browser, url, step) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1300 }, reducedMotion: 'reduce' });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const href = new URLSearchParams(stepHref(step, ''));
    href.set('backend', 'cpu'); // the same pictures wherever they are made
    href.set('lang', 'en');
    await page.goto(`${url}?${href}`);
    await page.waitForFunction((demo) => document.querySelector(`[data-demo="${demo}"]`)?.dataset.ready === 'true', step.demo, LONG);
    await ACTIONS[step.id]?.(page);
    await settle(page);
    // The photograph shows the demo, not the lesson's frame around it.
    await page.evaluate(() => {
      document.querySelector('[data-testid=lesson-bar]')?.remove();
      document.querySelector('.lesson-focus')?.classList.remove('lesson-focus');
    });
    const section = page.locator(`#${step.section}`);
    await section.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300); // a frame for the canvases to show their last drawing
    const png = await section.screenshot({ animations: 'disabled' });
    const { quality, bytes } = await encode(page, png);
    if (errors.length) throw new Error(errors.join('; '));
    return { quality, bytes: Buffer.from(bytes) };
  } finally {
    await page.close();
  }
}

// The landing view's first screen in each language, as a visitor sees it once its pictures are in.
async function landing(browser, url) {
  for (const lang of ['en', 'zh']) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1300 } });
    try {
      await page.goto(`${url}?lang=${lang}`);
      await page.waitForFunction(() => document.querySelector('[data-demo=path]')?.dataset.ready === 'true');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=path] img')]
        .filter((image) => image.getBoundingClientRect().top < innerHeight).every((image) => image.complete && image.naturalWidth > 0));
      const file = join(repository, `docs/path-${lang}.png`);
      await page.screenshot({ path: file });
      console.log(`docs/path-${lang}.png`);
    } finally {
      await page.close();
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2).filter((name) => name !== 'docs');
  const onlyDocs = process.argv.slice(2).includes('docs') && !wanted.length;
  const steps = onlyDocs ? [] : wanted.length ? STEPS.filter((step) => wanted.includes(step.id)) : STEPS;
  if (wanted.length && steps.length !== wanted.length) throw new Error(`unknown step among ${wanted.join(', ')}`);
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  let failed = 0;
  try {
    for (const step of steps) {
      const started = Date.now();
      try {
        const { quality, bytes } = await picture(browser, server.url, step);
        const file = join(repository, step.picture);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, bytes);
        console.log(`${step.picture}: ${bytes.length} bytes (WebP quality ${quality.toFixed(2)}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
      } catch (error) {
        failed += 1;
        console.error(`${step.id}: no picture: ${error.message}`);
      }
    }
    if (!wanted.length) await landing(browser, server.url);
  } finally {
    await browser.close();
    server.close();
  }
  if (failed) process.exit(1);
}
