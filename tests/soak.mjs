// Long-run soak (issue 12, "Long runs"): trains the GAN and the auto-encoder in the real page, on
// the CPU backend, in headless Chromium, for a wall time, and samples each page at a fixed
// interval: the worker's wasm memory, the JS heap, the training progress and any error.
//   node tests/soak.mjs [minutes=60] [demos=gan,autoencoder]
// Both demos train at once, each in its own page of one browser (as tabs left open would), on a
// cross-origin-isolated page (the GAN takes the threaded build, the AE one thread, as served).
// The interval is 60 s, or a 24th of the run when that is shorter (so each sixth holds 4
// samples). Writes one JSON line per sample to bench-results/soak-<stamp>.jsonl and a plot to
// bench-results/soak-<stamp>.svg, prints a summary and exits non-zero when a check fails:
//   - wasm memory: the last sample at most BOUND above the sample at the end of warm-up (a sixth of
//     the run: the 10th minute of an hour; wasm memory never shrinks, so two samples say it);
//   - JS heap: the median of the last sixth's samples at most BOUND above the median of the second
//     sixth's (GC noise). On a single-threaded page: the page's and its workers' JavaScript bytes
//     (performance.measureUserAgentSpecificMemory). On the threaded page (the GAN) that measurement
//     counts the shared wasm memory (a SharedArrayBuffer) among the workers' bytes and waits for the
//     busy pool, so there the check takes the page's own heap and the model worker's (CDP, attached
//     to each: a garbage collection, then Runtime.getHeapUsage, at every sample); the UA figure is
//     still recorded;
//   - iterations (GAN) or steps (AE) per second over the last sixth ≥ 0.9 × over the second sixth;
//   - no page error, console error, error note on the page, worker restart or stopped training.
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchChromium, openDemo, root } from './page/browser.mjs';

const BOUND = 0.05; // the memory growth allowed after warm-up
const RATE_FLOOR = 0.9; // last sixth's rate against the second sixth's

const minutes = Number(process.argv[2] ?? 60);
const demos = (process.argv[3] ?? 'gan,autoencoder').split(',');
if (!(minutes > 0)) throw new Error(`minutes: ${process.argv[2]} is not a positive number`);

// Per demo: how training starts and where its progress counter is.
const DRIVERS = {
  gan: {
    start: (page) => page.getByTestId('gan-play').click(),
    counter: 'gan-iterations', unit: 'iterations',
    running: (page) => page.getByTestId('gan-play').evaluate((b) => b.getAttribute('aria-pressed') === 'true'),
  },
  autoencoder: {
    start: async (page) => {
      await page.waitForFunction(() => !document.querySelector('[data-testid=ae-train]').disabled, null, { timeout: 180_000 });
      await page.getByTestId('ae-train').click();
    },
    counter: 'ae-train-steps', unit: 'steps',
    running: (page) => page.getByTestId('ae-train').evaluate((b) => b.dataset.state === 'running'),
  },
};
for (const demo of demos) if (!DRIVERS[demo]) throw new Error(`no soak driver for demo ${demo} (have: ${Object.keys(DRIVERS).join(', ')})`);

const totalMs = minutes * 60_000;
const intervalMs = Math.min(60_000, totalMs / 24);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
mkdirSync(join(root, 'bench-results'), { recursive: true });
const jsonl = join(root, 'bench-results', `soak-${stamp}.jsonl`);
const svg = join(root, 'bench-results', `soak-${stamp}.svg`);
writeFileSync(jsonl, '');

// One sample of a page: its counter, the worker's wasm memory, the JS heap by scope, notes.
async function sample(page, driver) {
  return page.evaluate(async ([counter]) => {
    // measureUserAgentSpecificMemory answers only when every worker of the page has: on the GAN's
    // page the thread pool's workers, busy inside wasm, can hold it back for up to a minute. So it
    // runs in the background: a sample takes the latest finished measurement (jsAge: seconds since
    // it was asked for) and asks for the next.
    const probe = (window.__soakMemory ??= { latest: null, pending: false });
    const ask = () => {
      if (probe.pending) return;
      probe.pending = true;
      const asked = performance.now();
      performance.measureUserAgentSpecificMemory().then((measured) => {
        let pageJs = 0;
        let workersJs = 0;
        for (const entry of measured.breakdown) {
          if (!entry.types.includes('JavaScript')) continue;
          for (const { scope } of entry.attribution) {
            if (scope === 'Window') pageJs += entry.bytes / entry.attribution.length;
            else workersJs += entry.bytes / entry.attribution.length;
          }
        }
        probe.latest = { asked, pageJs, workersJs, total: measured.bytes };
      }).catch((error) => { probe.error = String(error?.message ?? error); }).finally(() => { probe.pending = false; });
    };
    // A failed measurement fails the sample (and the run), not a wait for one that never comes.
    const failed = () => { if (probe.error) throw new Error(`measureUserAgentSpecificMemory: ${probe.error}`); };
    if (!probe.latest) {
      ask();
      while (!probe.latest) {
        failed();
        await new Promise((done) => setTimeout(done, 100));
      }
    } else ask();
    failed();
    const js = probe.latest;
    const { wasmBytes } = await window.latentLab.worker.memory();
    return {
      progress: Number(document.querySelector(`[data-testid=${counter}]`).textContent),
      wasmBytes, jsBytes: js.pageJs + js.workersJs, pageJsBytes: js.pageJs, workersJsBytes: js.workersJs,
      uaBytes: js.total, jsAge: (performance.now() - js.asked) / 1000,
      restarts: window.latentLab.worker.restarts,
      errorNotes: [...document.querySelectorAll('[data-testid=note] [data-kind=error]')].map((n) => n.textContent),
    };
  }, [driver.counter]);
}

const server = await startServer(); // cross-origin isolated, as `scripts/lab serve`
// Eager: the measurement answers at once instead of waiting for the next garbage collection.
const browser = await launchChromium({ webgpu: false, args: ['--enable-blink-features=ForceEagerMeasureMemory'] });
const runs = [];
let failed = false;
try {
  for (const demo of demos) {
    const errors = [];
    const page = await openDemo(browser, `${server.url}?demo=${demo}&backend=cpu`, demo, { errors });
    const badge = await page.getByTestId('backend').textContent();
    const threaded = Number(await page.getByTestId('backend').getAttribute('data-threads')) > 1;
    const cdp = await page.context().newCDPSession(page);
    const workerHeaps = await attachWorkers(cdp);
    runs.push({ demo, page, errors, driver: DRIVERS[demo], badge, threaded, cdp, workerHeaps, samples: [] });
  }
  for (const run of runs) await sample(run.page, run.driver); // a first memory measurement, at rest
  const started = Date.now();
  for (const run of runs) {
    await run.driver.start(run.page);
    run.started = Date.now();
  }
  console.log(`soak: ${demos.join(' + ')} at once for ${minutes} min, a sample every ${(intervalMs / 1000).toFixed(0)} s → ${jsonl}`);
  for (let k = 0; k <= Math.round(totalMs / intervalMs); k += 1) {
    const due = started + k * intervalMs;
    await new Promise((done) => setTimeout(done, Math.max(0, due - Date.now())));
    for (const run of runs) {
      const s = await sample(run.page, run.driver);
      await run.cdp.send('HeapProfiler.collectGarbage'); // the page's live heap, not its garbage
      s.pageHeapBytes = (await run.cdp.send('Runtime.getHeapUsage')).usedSize;
      s.workerHeapBytes = await run.workerHeaps();
      s.checkedJsBytes = run.threaded ? s.pageHeapBytes + s.workerHeapBytes : s.jsBytes;
      const running = await run.driver.running(run.page);
      const previous = run.samples.at(-1);
      const t = (Date.now() - started) / 1000;
      const rate = previous ? (s.progress - previous.progress) / (t - previous.t) : null;
      const line = { demo: run.demo, t, minute: t / 60, ...s, rate, running, errors: [...run.errors] };
      run.samples.push(line);
      appendFileSync(jsonl, `${JSON.stringify(line)}\n`);
      console.log(`${(t / 60).toFixed(2)} min ${run.demo}: ${s.progress} ${run.driver.unit}`
        + `${rate == null ? '' : ` (${rate.toFixed(1)}/s)`}, wasm ${(s.wasmBytes / 2 ** 20).toFixed(1)} MiB, `
        + `JS ${(s.jsBytes / 2 ** 20).toFixed(2)} MiB (page ${(s.pageJsBytes / 2 ** 20).toFixed(2)}, workers ${(s.workersJsBytes / 2 ** 20).toFixed(2)}, ${s.jsAge.toFixed(0)} s ago; after a GC now: page ${(s.pageHeapBytes / 2 ** 20).toFixed(2)}, model worker ${(s.workerHeapBytes / 2 ** 20).toFixed(2)})`
        + `${running ? '' : ', NOT RUNNING'}${s.errorNotes.length || run.errors.length ? `, errors ${s.errorNotes.length + run.errors.length}` : ''}`);
    }
  }
} finally {
  await browser.close();
  server.close();
}

// The heaps of the page's own workers (the model worker; the thread pool it starts is nested and
// not attached), each after a garbage collection. Playwright gives no CDP session to a worker, so
// this one attaches to them itself (unflattened: its messages go through Target.sendMessageToTarget).
async function attachWorkers(cdp) {
  const workers = new Set();
  const pending = new Map();
  let nextId = 1;
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => { if (targetInfo.type === 'worker') workers.add(sessionId); });
  cdp.on('Target.detachedFromTarget', ({ sessionId }) => workers.delete(sessionId));
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.error) waiting.reject(new Error(`worker CDP: ${reply.error.message}`));
    else waiting.resolve(reply.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const send = (sessionId, method) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    setTimeout(() => { if (pending.delete(id)) reject(new Error(`worker CDP: ${method} had no answer in 30 s`)); }, 30_000);
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) }).catch(reject);
  });
  return async () => {
    let bytes = 0;
    for (const sessionId of workers) {
      await send(sessionId, 'HeapProfiler.collectGarbage');
      bytes += (await send(sessionId, 'Runtime.getHeapUsage')).usedSize;
    }
    return bytes;
  };
}

// The checks, per demo.
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summary = [];
for (const run of runs) {
  const { samples, demo, driver } = run;
  const end = samples.at(-1);
  const T = end.t;
  const at = (time) => samples.reduce((best, s) => (Math.abs(s.t - time) < Math.abs(best.t - time) ? s : best));
  const warm = at(T / 6);
  const sixth = (i) => samples.filter((s) => s.t >= (i * T) / 6 - 1e-6 && s.t <= ((i + 1) * T) / 6 + 1e-6);
  const rateOver = (a, b) => (b.progress - a.progress) / (b.t - a.t);
  const second = rateOver(at(T / 6), at((2 * T) / 6));
  const last = rateOver(at((5 * T) / 6), end);
  const wasmGrowth = (end.wasmBytes - warm.wasmBytes) / warm.wasmBytes;
  const jsSecond = median(sixth(1).map((s) => s.checkedJsBytes));
  const jsLast = median(sixth(5).map((s) => s.checkedJsBytes));
  const jsWhat = run.threaded ? "the page's and the model worker's heaps after a GC (CDP)" : 'page + workers (measureUserAgentSpecificMemory)';
  const jsGrowth = (jsLast - jsSecond) / jsSecond;
  const errors = [...new Set([...run.errors, ...end.errorNotes])];
  const stopped = samples.filter((s) => !s.running).length;
  const checks = {
    [`wasm memory growth after warm-up < ${100 * BOUND} %`]: wasmGrowth < BOUND,
    [`JS heap growth after warm-up < ${100 * BOUND} %`]: jsGrowth < BOUND,
    [`${driver.unit}/s, last sixth ≥ ${RATE_FLOOR} × second sixth`]: last >= RATE_FLOOR * second,
    'no errors, no restarts, training never stopped': errors.length === 0 && end.restarts === 0 && stopped === 0,
  };
  const result = {
    demo, badge: run.badge, minutes: T / 60, samples: samples.length, progress: end.progress,
    warmUpMinute: warm.t / 60,
    wasmMiB: [warm.wasmBytes / 2 ** 20, end.wasmBytes / 2 ** 20], wasmGrowth,
    jsMeasure: jsWhat, jsMiB: [jsSecond / 2 ** 20, jsLast / 2 ** 20], jsGrowth,
    ratePerSecond: [second, last], rateRatio: last / second,
    errors, restarts: end.restarts, samplesNotRunning: stopped, checks,
  };
  summary.push(result);
  console.log(`\n${demo} (${run.badge}): ${end.progress} ${driver.unit} in ${(T / 60).toFixed(1)} min, ${samples.length} samples; warm-up ends at ${(warm.t / 60).toFixed(2)} min`);
  console.log(`  wasm memory ${result.wasmMiB[0].toFixed(1)} → ${result.wasmMiB[1].toFixed(1)} MiB (${(100 * wasmGrowth).toFixed(2)} %)`);
  console.log(`  JS heap, ${jsWhat}, medians of the 2nd and last sixth ${result.jsMiB[0].toFixed(2)} → ${result.jsMiB[1].toFixed(2)} MiB (${(100 * jsGrowth).toFixed(2)} %)`);
  console.log(`  ${driver.unit}/s, 2nd sixth ${second.toFixed(1)}, last sixth ${last.toFixed(1)} (× ${(last / second).toFixed(3)})`);
  console.log(`  errors ${errors.length}, restarts ${end.restarts}, samples with training stopped ${stopped}${errors.length ? `: ${errors.join(' | ')}` : ''}`);
  for (const [name, ok] of Object.entries(checks)) {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
    if (!ok) failed = true;
  }
}
appendFileSync(jsonl, `${JSON.stringify({ summary })}\n`);
writeFileSync(svg, plot(runs, minutes));
console.log(`\nsamples: ${jsonl}\nplot: ${svg}\n${failed ? 'soak: FAILED' : 'soak: all checks passed'}`);
process.exit(failed ? 1 : 0);

// A small SVG: one row per demo, three panels (wasm memory, JS heap, rate) against minutes, the
// warm-up mark dashed.
function plot(runs, minutes) {
  const W = 300;
  const H = 170;
  const pad = { l: 54, r: 24, t: 26, b: 30 };
  const panels = [
    ['wasm memory, MiB', (s) => s.wasmBytes / 2 ** 20, '#38bdf8'],
    ['JS heap checked, MiB', (s) => s.checkedJsBytes / 2 ** 20, '#f59e0b'],
    [null, (s) => s.rate, '#22c55e'],
  ];
  const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [];
  runs.forEach((run, row) => {
    panels.forEach(([title, value, color], col) => {
      const x0 = col * W;
      const y0 = row * H;
      const points = run.samples.filter((s) => value(s) != null).map((s) => [s.minute, value(s)]);
      const ys = points.map(([, y]) => y);
      let [lo, hi] = [Math.min(0, ...ys), Math.max(...ys, 1e-9)];
      hi *= 1.1;
      const X = (m) => x0 + pad.l + (m / minutes) * (W - pad.l - pad.r);
      const Y = (v) => y0 + H - pad.b - ((v - lo) / (hi - lo)) * (H - pad.t - pad.b);
      parts.push(`<text x="${x0 + pad.l}" y="${y0 + 16}" font-size="12">${escape(`${run.demo}: ${title ?? `${run.driver.unit} per second`}`)}</text>`);
      parts.push(`<rect x="${X(0)}" y="${Y(hi)}" width="${X(minutes) - X(0)}" height="${Y(lo) - Y(hi)}" fill="none" stroke="#999"/>`);
      for (const v of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="${X(0) - 4}" y="${Y(v) + 4}" font-size="10" text-anchor="end">${v.toFixed(v >= 100 ? 0 : 1)}</text>`);
      for (const m of [0, minutes / 2, minutes]) parts.push(`<text x="${X(m)}" y="${Y(lo) + 14}" font-size="10" text-anchor="middle">${+m.toFixed(1)} min</text>`);
      parts.push(`<line x1="${X(minutes / 6)}" x2="${X(minutes / 6)}" y1="${Y(lo)}" y2="${Y(hi)}" stroke="#999" stroke-dasharray="3 3"/>`);
      if (points.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([m, v]) => `${X(m).toFixed(1)},${Y(v).toFixed(1)}`).join(' ')}"/>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * W}" height="${runs.length * H}" font-family="sans-serif">`
    + `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
