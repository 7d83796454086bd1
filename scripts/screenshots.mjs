// One small screenshot per demo for the README (`scripts/lab screenshots`): each demo opened in
// headless Chromium on the CPU backend, waited for until loaded (and for the compare demo, until
// its grids are filled), its top 1200×800 CSS pixels saved as a JPEG under docs/screenshots/.
//   node scripts/screenshots.mjs [demo …]   (default: every demo)
import { mkdirSync } from 'node:fs';
import { launchChromium, startServer } from '../tests/page/browser.mjs';

const DEMOS = ['autoencoder', 'ae-lab', 'ae-variants', 'vae', 'gan', 'pixelrnn', 'text', 'compare'];
const OUT = 'docs/screenshots';
// The page's own width; half scale keeps each file small (tens of kB) and still legible.
const VIEWPORT = { width: 1200, height: 800 };
const QUALITY = 70;

// What a person would do first, so the picture shows the demo at work rather than empty.
const PREPARE = {
  autoencoder: (page) => page.getByRole('button', { name: 'Random test digit' }).first().click(),
  gan: (page) => page.getByTestId('gan-load-shipped').click(),
  pixelrnn: async (page) => {
    await page.getByTestId('pixel-speed').evaluate((slider) => {
      slider.value = slider.max;
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.getByTestId('pixel-start').click();
    await page.waitForFunction(() => /^784\b/.test(document.querySelector('[data-testid=pixel-progress]').textContent),
      null, { timeout: 120_000 });
  },
  compare: (page) => page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'true',
    null, { timeout: 300_000 }),
};

const demos = process.argv.slice(2).length ? process.argv.slice(2) : DEMOS;
mkdirSync(OUT, { recursive: true });
const server = await startServer();
const browser = await launchChromium({ webgpu: false });
try {
  for (const demo of demos) {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 0.5, reducedMotion: 'reduce' });
    await page.goto(`${server.url}index.html?demo=${demo}&backend=cpu`);
    await page.waitForFunction((name) => document.querySelector(`[data-demo="${name}"]`)?.dataset.ready === 'true',
      demo, { timeout: 300_000 });
    await (PREPARE[demo] ?? (() => {}))(page);
    // The views draw from the worker's first replies after `ready`: let them land.
    await page.waitForTimeout(1500);
    await page.evaluate(() => window.scrollTo(0, 0)); // a click may have scrolled its control into view
    const path = `${OUT}/${demo}.jpg`;
    await page.screenshot({ path, type: 'jpeg', quality: QUALITY, scale: 'device' });
    console.log(`wrote ${path}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
