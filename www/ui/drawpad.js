import { showScaled } from './canvas.js';

// A drawing pad: white ink on black, mouse, pen or finger (pointer events). Calls onStroke while
// drawing and when a stroke ends; the pixels go to the worker as they are.
export class DrawPad {
  constructor(canvas, { onStroke, lineWidth = 22 }) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.onStroke = onStroke;
    this.lineWidth = lineWidth;
    this.last = null;
    this.clear();
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => this.up());
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (this.canvas.width / box.width),
      (event.clientY - box.top) * (this.canvas.height / box.height)];
  }

  down(event) {
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.line(this.last, this.last);
  }

  move(event) {
    if (!this.last) return;
    const next = this.point(event);
    this.line(this.last, next);
    this.last = next;
  }

  up() {
    if (!this.last) return;
    this.last = null;
    this.onStroke();
  }

  line(from, to) {
    const c = this.context;
    c.strokeStyle = 'white';
    c.lineWidth = this.lineWidth;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(...from);
    c.lineTo(...to);
    c.stroke();
    this.onStroke();
  }

  clear() {
    this.context.fillStyle = 'black';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  // Shows a 28×28 RGBA image scaled up, as the thing being encoded.
  showImage(rgba) {
    showScaled(this.canvas, rgba, 28, 28);
  }

  pixels() {
    return this.context.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
  }
}
