// Shared set-up for page tests and benchmarks: the static server (scripts/server.mjs) and
// Debian's Chromium driven by playwright-core. LATENT_LAB_ROOT=DIR serves that folder instead of
// the repository (e.g. a folder written by `scripts/lab deploy`), with the same headers.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { root, startServer as startServerAt } from '../../scripts/server.mjs';

export { root };
// The folder the page tests serve: the repository, or LATENT_LAB_ROOT.
export const servedRoot = process.env.LATENT_LAB_ROOT ? resolve(process.env.LATENT_LAB_ROOT) : root;
export const startServer = (options = {}) => startServerAt({ root: servedRoot, ...options });
export const artefacts = `${root}/test-results`;
mkdirSync(artefacts, { recursive: true });

// A plain static server, as any static host: the files of `folder` with their content types and
// nothing else (no COOP/COEP, no Content-Security-Policy header, no gzip, no caching rules). For
// the tests of a deploy folder. `port`: to come back on the same origin after `close()`.
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.md': 'text/markdown; charset=utf-8', '.webp': 'image/webp',
};
// `requests`: the path of every request it answered, in order (the offline tests read it).
export async function startStaticServer(folder, port = 0) {
  folder = resolve(folder);
  const requests = [];
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://host').pathname);
    requests.push(path);
    const file = join(folder, path.endsWith('/') ? `${path}index.html` : path);
    try {
      if (!file.startsWith(folder + sep)) throw new Error('outside the folder');
      const body = await readFile(file);
      response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}/`, port: bound, requests,
    close: () => new Promise((done) => { server.close(done); server.closeAllConnections(); }),
  };
}

// Headless Chromium offers a (software) WebGPU adapter only with --enable-unsafe-webgpu. `args`:
// more command-line flags (the soak run's eager memory measurement).
export function launchChromium({ webgpu = true, args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', ...(webgpu ? ['--enable-unsafe-webgpu'] : []), ...args],
  });
}

// For a test file: a server and a Chromium, started before its tests and closed after them;
// the returned object holds them ({server, browser}) once the tests run.
export function serveAndLaunch() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

// For a test file of a deploy folder: `scripts/lab deploy` into a temporary folder, a plain static
// server of it (startStaticServer) and a Chromium, started before its tests and removed after
// them; the returned object holds {folder, server, browser}.
export function deployAndLaunch() {
  const env = { folder: join(mkdtempSync(join(tmpdir(), 'latent-lab-deploy-')), 'site') };
  before(async () => {
    execFileSync('bash', [`${root}/scripts/lab`, 'deploy', env.folder], { stdio: ['ignore', 'inherit', 'inherit'] });
    env.server = await startStaticServer(env.folder);
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
    rmSync(dirname(env.folder), { recursive: true, force: true });
  });
  return env;
}

// Opens a page and waits until `demo`'s root says its models and data are loaded.
export async function openDemo(browser, url, demo, { errors = [], reducedMotion = 'no-preference' } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1300 }, reducedMotion });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  await page.waitForFunction((name) => document.querySelector(`[data-demo=${name}]`).dataset.ready === 'true', demo, { timeout: 180_000 });
  return page;
}

// Opens the auto-encoder demo and waits until the models answered once (the views are drawn).
// The URL names the demo (the page without ?demo= opens the path instead).
export async function openPage(browser, url, options) {
  const named = new URL(url);
  if (!named.searchParams.has('demo')) named.searchParams.set('demo', 'autoencoder');
  const page = await openDemo(browser, named.href, 'autoencoder', options);
  await page.waitForFunction(() => !document.querySelector('[data-testid=ae-train]').disabled, null, { timeout: 180_000 });
  await page.waitForFunction(() => /last call/.test(document.querySelector('[data-testid=backend]').textContent), null, { timeout: 180_000 });
  return page;
}

// The 28×28 canvas as ink in [0, 1] (red channel; white ink on black).
export const ink = (page, testid) => page.evaluate((id) => {
  const canvas = document.querySelector(`[data-testid=${id}]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, 28, 28);
  return Array.from({ length: 784 }, (_, i) => data[i * 4] / 255);
}, testid);

// A canvas's red channel as ink in [0, 1], with its size.
export const canvasInk = (page, testid) => page.evaluate((id) => {
  const canvas = document.querySelector(`[data-testid=${id}]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, ink: Array.from({ length: data.length / 4 }, (_, i) => data[i * 4] / 255), ...canvas.dataset };
}, testid);

// Frame k of a strip, downsampled to 28×28 (the mean over each scale×scale block).
export function frame(strip, k) {
  const scale = Number(strip.scale);
  return Array.from({ length: 784 }, (_, p) => {
    const [x, y] = [p % 28, Math.floor(p / 28)];
    let sum = 0;
    for (let dy = 0; dy < scale; dy += 1) {
      for (let dx = 0; dx < scale; dx += 1) sum += strip.ink[(y * scale + dy) * strip.width + (k * 28 + x) * scale + dx];
    }
    return sum / (scale * scale);
  });
}
// How many times a canvas was drawn (the demos count in data-draws), and a wait for the next.
export const draws = (page, testid) => page.getByTestId(testid).evaluate((canvas) => Number(canvas.dataset.draws ?? 0));
export const drawn = (page, testid, n, timeout = 60_000) => page.waitForFunction(
  ([id, count]) => Number(document.querySelector(`[data-testid=${id}]`).dataset.draws ?? 0) > count, [testid, n], { timeout },
);
// A canvas showing one 28×28 image at data-scale, as ink in [0, 1], and its total ink.
export const digit = async (page, testid) => frame(await canvasInk(page, testid), 0);
export const total = (image) => image.reduce((a, b) => a + b, 0);
// Share of a 28×28 image's ink in columns 10–17 (a 1 drawn down the middle puts nearly all of it there).
export const middleShare = (image) => image.reduce((sum, v, i) => sum + ((i % 28) >= 10 && (i % 28) <= 17 ? v : 0), 0) / total(image);
// A stroke's points on a pad of `size` pixels: a vertical 1 down the middle, and a 0 (an ellipse).
export const strokeOne = (size) => Array.from({ length: 15 }, (_, i) => [size / 2, size * 0.15 + (i * size * 0.7) / 14]);
export const strokeZero = (size) => Array.from({ length: 41 }, (_, i) => {
  const angle = (i / 40) * 2 * Math.PI;
  return [size / 2 + size * 0.2 * Math.sin(angle), size / 2 - size * 0.3 * Math.cos(angle)];
});
export const squaredError = (a, b) => a.reduce((sum, v, i) => sum + (v - b[i]) ** 2, 0);
export const around = (image, x, y) => Math.max(...[-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => image[(y + dy) * 28 + x + dx])));

// Draws a polyline on the pad with real pointer events (mouse down, moves, up).
export async function stroke(page, points) {
  const box = await page.getByTestId('draw-canvas').boundingBox();
  const at = ([x, y]) => [box.x + (x / 280) * box.width, box.y + (y / 280) * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 2 });
  await page.mouse.up();
}

// Draws a polyline on the pad `testid` with real pointer events; the points are in the pixels
// of a `size`-pixel pad (140 by default, the small pads), whatever size it is shown at.
export async function strokeOn(page, testid, points, size = 140) {
  // As a person would, bring the pad into view first: pointer events land in the viewport only.
  await page.getByTestId(testid).scrollIntoViewIfNeeded();
  const box = await page.getByTestId(testid).boundingBox();
  const at = ([x, y]) => [box.x + (x / size) * box.width, box.y + (y / size) * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 2 });
  await page.mouse.up();
}

// The VAE page: a 1 on its first pad and a 0 on its second, then waits until the strips show
// both (a strip drawn after the second stroke, then nothing in flight: settle).
export async function drawVaeOneAndZero(page) {
  await strokeOn(page, 'vae-draw-a', Array.from({ length: 15 }, (_, i) => [70, 25 + i * 6]));
  const before = await draws(page, 'vae-interp-strip');
  await strokeOn(page, 'vae-draw-b', Array.from({ length: 41 }, (_, i) => {
    const angle = (i / 40) * 2 * Math.PI;
    return [70 + 30 * Math.sin(angle), 70 - 45 * Math.cos(angle)];
  }));
  await drawn(page, 'vae-interp-strip', before);
  await settle(page);
}

// Waits until the views show the answer to the latest input: window.__latentLabIdle (www/main.js)
// is true once the model worker owes no reply and the demo holds nothing back (a pause before a
// query, a painting under way). The demos ask the worker from their input handlers at once, and
// Playwright's input calls return once those handlers ran, so no time has to pass first. A page
// without the hook is an error, not a pass.
// A demo opened at `width` × `height` (CPU backend) that records the path of every request, once it
// is ready and idle: what it fetched before any section below was reached.
export async function openRecordingFetches(env, demo, { width = 1200, height = 700 } = {}) {
  const page = await env.browser.newPage({ viewport: { width, height } });
  const fetched = [];
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
  await page.goto(`${env.server.url}?demo=${demo}&backend=cpu`);
  await page.waitForFunction((name) => document.querySelector(`[data-demo=${name}]`).dataset.ready === 'true', demo, { timeout: 180_000 });
  await page.waitForFunction(() => window.__latentLabIdle(), null, { timeout: 60_000 });
  return { page, fetched };
}

// Scrolls `target` (a locator) into view and waits until the on-demand section with id `section`
// says data-ready (its files are in).
export async function reachSection(page, target, section, timeout = 180_000) {
  await target.scrollIntoViewIfNeeded();
  await page.waitForFunction((id) => document.getElementById(id).dataset.ready === 'true', section, { timeout });
}

export async function settle(page) {
  await page.waitForFunction(() => {
    if (typeof window.__latentLabIdle !== 'function') throw new Error('settle: this page has no window.__latentLabIdle (www/main.js sets it)');
    return window.__latentLabIdle();
  }, null, { timeout: 60_000 });
}

// Records the reports the model worker posts from its sessions' running loops (its 'loop'
// events, by session, with the time each arrived), through the page's handle for tests
// (window.latentLab): what the worker does, whatever the demo shows of it (a paused demo
// ignores a late report, so a frozen figure on the page does not say the worker stopped).
export async function recordLoopReports(page) {
  await page.evaluate(() => {
    const { worker } = window.latentLab;
    const onEvent = worker.onEvent;
    window.__loopReportTimes = {};
    worker.onEvent = (event) => {
      if (event.event === 'loop') (window.__loopReportTimes[event.session] ??= []).push(performance.now());
      onEvent(event);
    };
  });
}

// After a pause of `session`'s loop (recordLoopReports first): waits until the worker answered
// every request so far, the stop included (settle; the worker posts in order, so a report sent
// before the stop was handled has arrived by then), then watches for five of the loop's report
// intervals as measured while it ran (at least 1 s). That wait is the behaviour under test
// (nothing comes), not a wait for something. Returns {running: the reports before the pause,
// after: those in the window, windowMs, intervalMs}.
export async function reportsAfterPause(page, session) {
  await settle(page);
  const times = await page.evaluate((s) => window.__loopReportTimes[s] ?? [], session);
  const intervalMs = times.length > 1 ? (times.at(-1) - times[0]) / (times.length - 1) : 0;
  const windowMs = Math.max(1000, 5 * intervalMs);
  await page.waitForTimeout(windowMs);
  const now = await page.evaluate((s) => (window.__loopReportTimes[s] ?? []).length, session);
  return { running: times.length, after: now - times.length, windowMs, intervalMs };
}

export async function drawOne(page) {
  await stroke(page, Array.from({ length: 19 }, (_, i) => [140, 45 + i * 10]));
}

// Asks www/bench-worker.js, in a fresh worker of `page`, to load a build and run one call on it.
export async function callInWorker(page, request) {
  const reply = await page.evaluate((message) => new Promise((resolve) => {
    const worker = new Worker('/www/bench-worker.js', { type: 'module' });
    worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
    worker.postMessage(message);
  }), request);
  if (reply.error) throw new Error(reply.error);
  return reply.result;
}

// Starts measuring the longest gap between animation frames; `window.__stopFrameProbe()` ends
// the measurement and returns it in milliseconds.
export async function frameProbe(page) {
  await page.evaluate(() => {
    let longest = 0;
    let stopped = false;
    let last = performance.now();
    const tick = (now) => {
      longest = Math.max(longest, now - last);
      last = now;
      if (!stopped) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__stopFrameProbe = () => { stopped = true; return longest; };
  });
}
