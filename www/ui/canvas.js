// Drawing helpers: images arrive from the worker as ready RGBA bytes; the code strip only maps
// values to bar heights.
import { t, fixed } from '../i18n/i18n.js';
export function showImage(canvas, rgba) {
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), canvas.width, canvas.height), 0, 0);
}

// An RGBA image of width×height drawn over the whole canvas, each pixel a sharp square (the
// canvas is an integer multiple of the image).
export function showScaled(canvas, rgba, width, height) {
  const small = new OffscreenCanvas(width, height);
  small.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height), 0, 0);
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}

// Whether the visitor's system asks for less motion (prefers-reduced-motion): the demos then
// paint and redraw more slowly.
export const reducedMotion = () => globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

export function clearImage(canvas) {
  const context = canvas.getContext('2d');
  context.fillStyle = 'black';
  context.fillRect(0, 0, canvas.width, canvas.height);
}

// One bar per code value, up for positive and down for negative, scaled to the largest value.
export function showCode(canvas, values) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#222';
  context.fillRect(0, height / 2, width, 1);
  const scale = Math.max(1e-6, ...values.map(Math.abs));
  const bar = width / values.length;
  values.forEach((value, i) => {
    const h = (value / scale) * (height / 2 - 2);
    context.fillStyle = value >= 0 ? '#f59e0b' : '#38bdf8';
    context.fillRect(i * bar + 1, height / 2 - Math.max(h, 0), bar - 2, Math.abs(h));
  });
}

// A canvas's text alternative that follows what it shows: the label the page gave it (kept in
// data-base-label) and what it holds now, e.g. "The VAE's path between the two digits: 10 frames,
// read as 1, 1, 1, 7, 7, 0, 0, 0, 0, 0". Without `now`, the page's label alone.
export function describe(canvas, now) {
  canvas.dataset.baseLabel ??= canvas.getAttribute('aria-label') ?? '';
  canvas.setAttribute('aria-label', now ? t('canvas.described', { label: canvas.dataset.baseLabel, now }) : canvas.dataset.baseLabel);
}

// What a classifier read in each of several digits, for a text alternative: "1 (98 %), 7 (61 %)".
export const readings = (classes, confidences) => Array.from(classes, (c, i) => t('canvas.reading', { digit: c, percent: fixed(100 * confidences[i], 0) })).join(t('list.separator'));
