// Where a benchmark workload's time goes, per thread: V8's sampling profiler (CDP) on the bench
// worker and on every thread of its rayon pool, while the workload runs in www/bench-worker.js as
// in `scripts/lab bench`. Prints each thread's self time by function, most first.
//   node tests/profile.mjs PKG THREADS WORKLOAD [runs=10] [top=12]
// e.g. node tests/profile.mjs pkg-threads-prof 2 ae-throughput
// Function names need a build that kept its name section: `scripts/lab build` strips it, so
// profile a copy built without `shrink` (docs/figures.md, "Where the time goes", says how).
import { startServer, launchChromium } from './page/browser.mjs';

const [pkg, threads, workload] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const runs = Number(process.argv[5] ?? 10);
const top = Number(process.argv[6] ?? 12);
const server = await startServer();
const browser = await launchChromium({ webgpu: false });
try {
  // Dedicated workers are reached from the browser's session: attached unflattened, so their
  // protocol messages travel inside Target.sendMessageToTarget.
  const cdp = await browser.newBrowserCDPSession();
  const workers = new Map();
  const waiting = new Map();
  let nextId = 1;
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    waiting.get(reply.id)?.(reply.result ?? reply.error);
    waiting.delete(reply.id);
  });
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    if (targetInfo.type === 'worker') workers.set(sessionId, targetInfo);
  });
  cdp.on('Target.targetCreated', ({ targetInfo }) => {
    if (targetInfo.type === 'worker') cdp.send('Target.attachToTarget', { targetId: targetInfo.targetId, flatten: false }).catch(() => {});
  });
  const send = (sessionId, method, params = {}) => new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });

  const page = await browser.newPage();
  await page.goto(`${server.url}www/bench.html`);
  const call = (args) => page.evaluate((message) => new Promise((resolve) => {
    window.benchWorker ??= new Worker('/www/bench-worker.js', { type: 'module' });
    window.benchWorker.onmessage = ({ data }) => resolve(data);
    window.benchWorker.postMessage(message);
  }), { pkg, threads, backend: 'cpu', adapter: null, call: 'benchmark', args });
  // A first call loads the build, starts the pool and warms the code up, unprofiled.
  await call({ workload, runs: 1, warmup: 2 });
  for (const id of workers.keys()) {
    await send(id, 'Profiler.enable');
    await send(id, 'Profiler.setSamplingInterval', { interval: 200 });
    await send(id, 'Profiler.start');
  }
  const { result, error } = await call({ workload, runs, warmup: 0 });
  console.log(JSON.stringify({ pkg, threads, workload, runs, median: result?.median, unit: result?.unit, error }));
  for (const [id, target] of workers) {
    const { profile } = await send(id, 'Profiler.stop');
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    let total = 0;
    profile.samples.forEach((sample, i) => {
      const frame = nodes.get(sample).callFrame;
      const name = frame.functionName || `(${frame.url.split('/').pop() || 'program'})`;
      const dt = profile.timeDeltas[i] ?? 0;
      self.set(name, (self.get(name) ?? 0) + dt);
      total += dt;
    });
    console.log(`thread ${target.url.split('/').pop() || target.targetId.slice(0, 8)}: ${(total / 1000).toFixed(0)} ms sampled`);
    for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${(100 * us / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name.slice(0, 140)}`);
    }
  }
} finally {
  await browser.close();
  server.close();
}
