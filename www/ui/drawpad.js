import { t } from '../i18n/i18n.js';
import { showScaled } from './canvas.js';

// A drawing pad: white ink on black, mouse, pen or finger (pointer events), or the keyboard.
// Calls onStroke while drawing and when a stroke ends; the pixels go to the worker as they are.
//
// Keyboard: the pad takes the focus (Tab); arrow keys move a pen cursor (a ring over the pad,
// shown while the pad has the keyboard focus) by one MNIST pixel, with Shift by three; Space or
// Enter puts the pen down (inking a dot) or lifts it; while it is down, moves draw; Escape lifts
// it; Delete or Backspace clears the pad. Screen readers get these instructions as the pad's
// description (role "application", so the keys reach the pad).
let pads = 0;

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
    this.keyboard();
  }

  keyboard() {
    const { canvas } = this;
    pads += 1;
    const help = document.createElement('p');
    help.id = `drawpad-keys-${pads}`;
    help.className = 'visually-hidden';
    help.textContent = t('drawpad.keys');
    canvas.after(help);
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-roledescription', t('drawpad.role'));
    canvas.setAttribute('aria-describedby', help.id);

    // The pen cursor: a ring over the canvas (never drawn into it: the pixels are the input).
    this.cursor = document.createElement('div');
    this.cursor.className = 'pad-cursor';
    this.cursor.setAttribute('aria-hidden', 'true');
    this.cursor.hidden = true;
    const parent = canvas.parentElement;
    if (getComputedStyle(parent).position === 'static') parent.style.position = 'relative';
    parent.append(this.cursor);
    this.pen = { x: canvas.width / 2, y: canvas.height / 2, down: false };
    canvas.dataset.pen = 'up';

    canvas.addEventListener('focus', () => { this.cursor.hidden = !canvas.matches(':focus-visible'); this.place(); });
    canvas.addEventListener('blur', () => { this.cursor.hidden = true; this.lift(); });
    canvas.addEventListener('keydown', (event) => this.key(event));
  }

  key(event) {
    const step = (this.canvas.width / 28) * (event.shiftKey ? 3 : 1);
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      const from = [this.pen.x, this.pen.y];
      this.pen.x = Math.min(this.canvas.width, Math.max(0, this.pen.x + dx));
      this.pen.y = Math.min(this.canvas.height, Math.max(0, this.pen.y + dy));
      if (this.pen.down) this.line(from, [this.pen.x, this.pen.y]);
    } else if (event.key === ' ' || event.key === 'Enter') {
      if (this.pen.down) this.lift();
      else {
        this.pen.down = true;
        this.line([this.pen.x, this.pen.y], [this.pen.x, this.pen.y]);
      }
    } else if (event.key === 'Escape') {
      if (!this.pen.down) return;
      this.lift();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      this.lift();
      this.clear();
      this.onStroke();
    } else {
      return;
    }
    event.preventDefault(); // no scrolling, no button press
    this.cursor.hidden = false;
    this.place();
  }

  lift() {
    if (!this.pen?.down) return;
    this.pen.down = false;
    this.place();
    this.onStroke(); // the stroke ended
  }

  // Puts the ring where the pen is, its size the ink's width; filled while the pen is down.
  place() {
    const { canvas, cursor, pen } = this;
    const scale = canvas.clientWidth / canvas.width;
    const size = Math.max(8, this.lineWidth * scale);
    Object.assign(cursor.style, {
      left: `${canvas.offsetLeft + canvas.clientLeft + pen.x * scale - size / 2}px`,
      top: `${canvas.offsetTop + canvas.clientTop + pen.y * scale - size / 2}px`,
      width: `${size}px`, height: `${size}px`,
    });
    cursor.classList.toggle('down', pen.down);
    canvas.dataset.pen = pen.down ? 'down' : 'up';
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
