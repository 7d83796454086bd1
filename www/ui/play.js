// A play/pause button over one session's loop in the worker (see worker.js: loopStart): the
// button's aria-pressed says whether the loop runs.
export class PlayButton {
  constructor(button, worker, session, { method = 'train_chunk', args = ['play'] } = {}) {
    Object.assign(this, { button, worker, session, method, args });
    this.set(false);
  }

  get playing() {
    return this.button.getAttribute('aria-pressed') === 'true';
  }

  // Shows the state only, e.g. when the loop stopped by itself.
  set(on) {
    this.button.setAttribute('aria-pressed', String(on));
    this.button.textContent = on ? 'Pause' : 'Play';
  }

  async play() {
    this.set(true);
    try {
      await this.worker.loop(this.session, this.method, this.args);
    } catch (error) {
      this.set(false);
      throw error;
    }
  }

  async pause() {
    if (!this.playing) return;
    this.set(false);
    await this.worker.stop(this.session);
  }
}
