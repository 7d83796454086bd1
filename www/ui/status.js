// The header's backend badge, note line and progress bar.
const badge = document.querySelector('[data-testid=backend]');
const note = document.querySelector('[data-testid=note]');
const bar = document.querySelector('[data-testid=progress]');

let backendText = '';

export function showBackend(info) {
  const threads = info.threads > 1 ? `, ${info.threads} threads` : ', 1 thread';
  backendText = info.backend === 'webgpu' ? `WebGPU · ${info.detail}` : `CPU (${info.detail}${threads})`;
  badge.textContent = backendText;
  badge.dataset.backend = info.backend;
  badge.dataset.threads = info.threads;
}

export function showTiming(millis) {
  badge.textContent = `${backendText} · last call ${millis.toFixed(1)} ms`;
}

// Notes stack up, one line each: what the backend choice was, and any file that failed.
export function showNote(text, kind = 'info') {
  note.replaceChildren();
  if (text) addNote(text, kind);
  note.hidden = !text;
}

export function addNote(text, kind = 'info') {
  const line = document.createElement('span');
  line.textContent = text;
  line.dataset.kind = kind;
  note.append(line);
  note.hidden = false;
}

export function showProgress(text, fraction) {
  bar.hidden = false;
  bar.querySelector('span').textContent = text;
  const meter = bar.querySelector('progress');
  if (fraction == null) meter.removeAttribute('value');
  else meter.value = fraction;
}

export function hideProgress() {
  bar.hidden = true;
}
