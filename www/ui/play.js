// A play/pause button over one session's loop in the worker (see worker.js: loopStart): the
// button's aria-pressed says whether the loop runs.
import { t } from '../i18n/i18n.js';
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
    this.button.textContent = t(on ? 'common.pause' : 'common.play');
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

// A Train / Pause / Resume button over a session's training loop: `start()` prepares a fresh
// run (e.g. calls the session's train_start), then the loop of `train_chunk` runs.
export class TrainButton {
  constructor(button, worker, session, { start }) {
    Object.assign(this, { button, worker, session, start });
    this.set('idle');
    button.addEventListener('click', () => this.press().catch((error) => this.failed(error)));
  }

  set(state) {
    this.state = state; // idle | running | paused
    this.button.textContent = t({ idle: 'common.train', running: 'common.pause', paused: 'common.resume' }[state]);
    this.button.dataset.state = state;
  }

  async press() {
    if (this.state === 'running') {
      this.set('paused');
      await this.worker.stop(this.session);
    } else {
      const fresh = this.state === 'idle';
      this.set('running');
      if (fresh) {
        await this.worker.stop(this.session);
        await this.start();
      }
      await this.worker.loop(this.session, 'train_chunk');
    }
  }

  // Back to a fresh start next time (the settings changed, or the worker restarted).
  reset() {
    if (this.state !== 'idle') this.worker.stop(this.session).catch(() => {});
    this.set('idle');
  }

  failed(error) {
    this.set('idle');
    this.onError?.(error);
  }
}
