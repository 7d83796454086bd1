// Talks to www/worker.js with promises, and restarts it when it dies (a wasm trap, a lost
// WebGPU device): first on the same backend, then on the CPU.
export class ModelWorker {
  constructor({ backend, onEvent, onRestart }) {
    this.backend = backend;
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
    this.worker.onerror = (event) => this.fail(event.message || 'the model worker crashed');
    this.ready = this.send('init', { backend: this.backend });
    return this.ready;
  }

  receive(data) {
    if (data.event === 'fatal') return this.fail(data.error);
    if (data.event) return this.onEvent(data);
    const request = this.pending.get(data.id);
    if (!request) return;
    this.pending.delete(data.id);
    if ('error' in data) request.reject(new Error(data.error));
    else request.resolve(data.result);
  }

  // Requests wait for the worker's start-up, so none reaches a worker that has no models yet.
  async call(method, args, transfer = []) {
    await this.ready;
    return this.send(method, args, transfer);
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
    if (this.restarts > 3) return this.onEvent({ event: 'error', error: `The model worker keeps failing: ${reason}` });
    this.onRestart(reason, this.start());
  }
}
