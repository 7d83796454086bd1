// Talks to www/worker.js with promises, and restarts it when it dies (a wasm trap, a lost
// WebGPU device): first on the same backend, then on the CPU. `demo` is what the worker loads:
// its sessions, assets and whether it takes the threaded build. Its messages (keys with
// arguments) are put in the page's language here.
import { say, message } from '../i18n/i18n.js';

export class ModelWorker {
  constructor({ backend, demo, onEvent, onRestart }) {
    this.backend = backend;
    this.demo = demo;
    this.onEvent = onEvent;
    this.onRestart = onRestart;
    this.pending = new Map();
    this.nextId = 1;
    this.restarts = 0;
    this.start();
  }

  start() {
    this.worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => this.fail(event.message || say(message('worker.crashed')));
    this.ready = this.send('init', { backend: this.backend, demo: this.demo });
    return this.ready;
  }

  receive(data) {
    if (data.event === 'fatal') return this.fail(say(data.error));
    if (data.event) return this.onEvent(data);
    const request = this.pending.get(data.id);
    if (!request) return;
    this.pending.delete(data.id);
    if ('error' in data) request.reject(new Error(say(data.error)));
    else request.resolve(data.result);
  }

  // Requests wait for the worker's start-up, so none reaches a worker that has no models yet.
  async request(method, args, transfer = []) {
    await this.ready;
    return this.send(method, args, transfer);
  }

  // A method of one of the demo's sessions (the Rust types in src/web/).
  call(session, method, args = [], transfer = []) {
    return this.request('call', { session, method, args }, transfer);
  }

  // Fetches an asset in the worker and hands it to a session: {session, method, args, path, label}.
  load(asset) {
    return this.request('load', asset);
  }

  // The text of an asset the page shows as it is, fetched and checked in the worker: {path, label}.
  text(asset) {
    return this.request('text', asset);
  }

  // Calls a session's method repeatedly; each result arrives as a 'loop' event.
  loop(session, method, args = []) {
    return this.request('loopStart', { session, method, args });
  }

  stop(session) {
    return this.request('loopStop', { session });
  }

  // The worker's wasm memory: {wasmBytes} (for the soak run, tests/soak.mjs).
  memory() {
    return this.request('memory');
  }

  // Whether every request has its reply (for page tests: window.__latentLabIdle, www/main.js).
  // The demos ask the worker from their event handlers at once, so from an input's arrival to
  // the views showing its answer this is false.
  idle() {
    return this.pending.size === 0;
  }

  send(method, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args }, transfer);
    });
  }

  fail(reason) {
    this.worker.terminate();
    // The page already says the worker restarts; callers can tell these apart and stay quiet.
    for (const { reject } of this.pending.values()) reject(Object.assign(new Error(reason), { restarting: true }));
    this.pending.clear();
    this.restarts += 1;
    if (this.restarts > 1) this.backend = 'cpu';
    if (this.restarts > 3) return this.onEvent({ event: 'error', error: say(message('worker.keeps-failing', { reason })) });
    this.onRestart(reason, this.start());
  }
}
