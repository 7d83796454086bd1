// Shared set-up for page tests and benchmarks: a static server for the repository on a free
// loopback port, and Debian's Chromium driven by playwright-core.
import { createServer } from 'http-server';
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const artefacts = `${root}/test-results`;
mkdirSync(artefacts, { recursive: true });

export async function startServer() {
  const server = createServer({ root, cache: -1, showDir: false, gzip: true, logFn: () => {} });
  await new Promise((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

// Headless Chromium offers a (software) WebGPU adapter only with --enable-unsafe-webgpu.
export function launchChromium({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
}

// Opens the page and waits until the models answered once (the views are drawn).
export async function openPage(browser, url, { errors = [] } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1300 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  await page.waitForFunction(() => !document.querySelector('[data-testid=ae-train]').disabled, null, { timeout: 180_000 });
  await page.waitForFunction(() => /last call/.test(document.querySelector('[data-testid=backend]').textContent), null, { timeout: 180_000 });
  return page;
}
