// Requests to the worker driven by input events (strokes, sliders, drags): only the latest
// state is asked for, so a burst of events never queues stale work.
// Calls `request()` for the latest state only: while one is in flight, later asks collapse.
// `idle()` says whether nothing is in flight or waiting.
export function latestOnly(request, show, fail) {
  let busy = false;
  let dirty = false;
  async function run() {
    if (busy) { dirty = true; return; }
    busy = true;
    try {
      do {
        dirty = false;
        show(await request());
      } while (dirty);
    } catch (error) {
      fail(error);
    } finally {
      busy = false;
    }
  }
  run.idle = () => !busy && !dirty;
  return run;
}
