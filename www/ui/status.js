// The header's backend badge, note line and progress bar.
import { t, say, fixed } from '../i18n/i18n.js';
const badge = document.querySelector('[data-testid=backend]');
const note = document.querySelector('[data-testid=note]');
const bar = document.querySelector('[data-testid=progress]');

let backendText = '';

export function showBackend(info) {
  const detail = say(info.detail);
  backendText = info.backend === 'webgpu' ? t('status.webgpu', { detail })
    : t(info.threads > 1 ? 'status.cpu-threads' : 'status.cpu-thread', { detail, threads: info.threads });
  badge.textContent = backendText;
  badge.dataset.backend = info.backend;
  badge.dataset.threads = info.threads;
}

export function showTiming(millis) {
  badge.textContent = t('status.timing', { backend: backendText, millis: fixed(millis, 1) });
}

// Notes stack up, one line each: what the backend choice was, and any file that failed. A note
// or a progress text is a string or a message from the worker (a key with arguments).
export function showNote(text, kind = 'info') {
  note.replaceChildren();
  if (text) addNote(text, kind);
  note.hidden = !text;
}

export function addNote(text, kind = 'info') {
  const line = document.createElement('span');
  line.textContent = say(text);
  line.dataset.kind = kind;
  note.append(line);
  note.hidden = false;
}

export function showProgress(text, fraction) {
  bar.hidden = false;
  bar.querySelector('span').textContent = say(text);
  const meter = bar.querySelector('progress');
  if (fraction == null) meter.removeAttribute('value');
  else meter.value = fraction;
}

export function hideProgress() {
  bar.hidden = true;
}
