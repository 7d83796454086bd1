// The header's backend badge, note line and progress bar.
const badge = document.querySelector('[data-testid=backend]');
const note = document.querySelector('[data-testid=note]');
const bar = document.querySelector('[data-testid=progress]');

let backendText = '';

export function showBackend(info) {
  backendText = info.backend === 'webgpu' ? `WebGPU · ${info.detail}` : `CPU (${info.detail})`;
  badge.textContent = backendText;
  badge.dataset.backend = info.backend;
}

export function showTiming(millis) {
  badge.textContent = `${backendText} · last call ${millis.toFixed(1)} ms`;
}

export function showNote(text, kind = 'info') {
  note.hidden = !text;
  note.textContent = text ?? '';
  note.dataset.kind = kind;
}

export function addNote(text, kind = 'info') {
  showNote(note.hidden ? text : `${note.textContent} ${text}`, kind);
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
