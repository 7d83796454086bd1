// The page-load figure of `scripts/lab bench page-load`: for each demo, the bytes that cross the
// network until its root says `data-ready`, and the time from navigation to then, on an emulated
// 20 Mbit/s, 40 ms RTT connection (CDP Network.emulateNetworkConditions, HTTP cache off), each
// demo in a fresh browser context (no service worker, no cache). The page is served
// cross-origin isolated, as `scripts/lab serve` does.
// Bytes are counted by a small proxy in front of the static server: every response's status
// line, headers and body as sent (gzip'd where a .gz sits beside the file), for requests the
// page or its workers started before `data-ready`.
//   node tests/page-load.mjs [backends=cpu,webgpu] [demos=all]   (PAGE_LOAD_LIMIT_S: the wait, 300)
// Prints a table and one JSON object per run; writes bench-results/page-load-<stamp>.json.
// LATENT_LAB_ROOT=DIR measures that folder instead (e.g. another checkout, for a before/after).
import { createServer, request as httpRequest } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchChromium, startServer, root } from './page/browser.mjs';

const DEMOS = ['autoencoder', 'vae', 'pixelrnn', 'text', 'gan', 'ae-lab', 'ae-variants', 'compare'];
const backends = (process.argv[2] ?? 'cpu,webgpu').split(',');
const demos = process.argv[3] && process.argv[3] !== 'all' ? process.argv[3].split(',') : DEMOS;
// 20 Mbit/s both ways, 40 ms round trip (CDP's latency is the added round-trip time).
const LIMIT_S = Number(process.env.PAGE_LOAD_LIMIT_S ?? 300);
const CONDITIONS = { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 };

// A proxy that forwards to `upstream` and logs {url, start, bytes} of every response.
async function countingProxy(upstream) {
  const target = new URL(upstream);
  const log = [];
  const server = createServer((req, res) => {
    const entry = { url: req.url, start: Date.now(), bytes: 0, done: false };
    log.push(entry);
    const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      // Status line, then each header line, then the blank line.
      entry.bytes += `HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}\r\n`.length + 2;
      for (let i = 0; i < answer.rawHeaders.length; i += 2) entry.bytes += answer.rawHeaders[i].length + answer.rawHeaders[i + 1].length + 4;
      res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
      answer.on('data', (chunk) => { entry.bytes += chunk.length; res.write(chunk); });
      answer.on('end', () => { entry.done = true; res.end(); });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, log, close: () => { server.close(); server.closeAllConnections(); } };
}

// Records, in the page, the wall-clock time at which the demo's root first says data-ready.
function watchReady() {
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-demo][data-ready=true]')) {
      window.__readyAt = Date.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
}

const upstream = await startServer();
const proxy = await countingProxy(upstream.url);
const browser = await launchChromium({ webgpu: backends.includes('webgpu') });
const runs = [];
const largest = (entries) => entries.toSorted((a, b) => b.bytes - a.bytes).slice(0, 6).map((e) => `${e.url} ${(e.bytes / 1e6).toFixed(2)}`);
try {
  for (const backend of backends) {
    for (const demo of demos) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 1300 }, serviceWorkers: 'block' });
      const page = await context.newPage();
      const throttle = async (session) => {
        await session.send('Network.enable');
        await session.send('Network.setCacheDisabled', { cacheDisabled: true });
        await session.send('Network.emulateNetworkConditions', CONDITIONS);
      };
      // Chromium applies the page's conditions to its dedicated workers' fetches too (the model
      // worker fetches the wasm and the weights): checked at 4 Mbit/s, where 9.4 MB took 23 s.
      await throttle(await context.newCDPSession(page));
      await page.addInitScript(watchReady);
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      proxy.log.length = 0;
      const navigationStart = Date.now();
      await page.goto(`${proxy.url}?demo=${demo}&backend=${backend}`, { waitUntil: 'commit', timeout: LIMIT_S * 1000 });
      // WebGPU on a software adapter (headless Chromium) can take minutes to compile its kernels:
      // past the limit the run counts the bytes so far and has no time.
      const ready = await page.waitForFunction(() => window.__readyAt, null, { timeout: LIMIT_S * 1000, polling: 100 })
        .then(() => true, (error) => { if (error.name !== 'TimeoutError') throw error; return false; });
      const readyAt = ready ? await page.evaluate(() => window.__readyAt) : Date.now();
      const info = await page.evaluate(() => {
        const badge = document.querySelector('[data-testid=backend]');
        return { ran: badge?.dataset.backend ?? null, threads: Number(badge?.dataset.threads ?? 0) || null };
      });
      const before = proxy.log.filter((entry) => entry.start <= readyAt);
      const bytes = before.reduce((sum, entry) => sum + entry.bytes, 0);
      const wasm = before.filter((entry) => entry.url.endsWith('.wasm')).map((entry) => entry.url);
      const run = {
        workload: 'page-load', demo, backend, ...info, bytes, requests: before.length,
        seconds: ready ? +((readyAt - navigationStart) / 1000).toFixed(2) : null, ready, wasm, largest: largest(before), errors,
        network: '20 Mbit/s, 40 ms RTT, cache off',
      };
      runs.push(run);
      console.log(JSON.stringify(run));
      await context.close();
    }
  }
} finally {
  await browser.close();
  proxy.close();
  upstream.close();
}

const mb = (bytes) => (bytes / 1e6).toFixed(2);
console.log('\n| demo | backend asked | ran on | MB to ready | s to ready | wasm |');
console.log('|---|---|---|---|---|---|');
for (const r of runs) {
  console.log(`| ${r.demo} | ${r.backend} | ${r.ran}${r.threads > 1 ? ` (${r.threads} threads)` : ''} | ${mb(r.bytes)}${r.ready ? '' : ' (so far)'} | ${r.ready ? r.seconds.toFixed(1) : `not ready in ${LIMIT_S} s`} | ${r.wasm.map((u) => u.split('/')[1]).join(', ')} |`);
}
mkdirSync(`${root}/bench-results`, { recursive: true });
const file = `${root}/bench-results/page-load-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}.json`;
writeFileSync(file, `${JSON.stringify({ served: process.env.LATENT_LAB_ROOT ?? root, runs }, null, 1)}\n`);
console.log(`\n${file}`);
