// A scatter of labelled points on a canvas: each point coloured by its label, a legend, the view
// fitted to the data (equal units on both axes, up is positive), conversion between canvas
// pixels and data coordinates, and optional overlays: one marked point (a ring), a box (with a
// handle at its lower right corner) and a few extra markers. The points are painted once into
// a layer; overlays redraw over it, so moving a box or a mark is cheap.
import { labelFont } from './canvas.js';

// One colour per label 0–9, readable on the dark background (the VAE demo's map uses the same).
export const LABEL_COLORS = ['#f87171', '#fb923c', '#facc15', '#a3e635', '#34d399', '#22d3ee', '#60a5fa', '#a78bfa', '#f472b6', '#e5e7eb'];

const BACKGROUND = '#111';
const AXIS = '#2a2f3a';
const TEXT = '#9aa3b2';
const BOX = '#f59e0b';
export const HANDLE = 9; // the box's corner handle, in canvas pixels

// A "nice" tick step (1, 2 or 5 × 10^n) giving about `count` ticks over `span`.
function tickStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

export class Scatter {
  // colors: one per label; pointSize in canvas pixels; margin: share of the span kept around
  // the data.
  constructor(canvas, { colors = LABEL_COLORS, pointSize = 2, margin = 0.06, legend = true } = {}) {
    Object.assign(this, { canvas, colors, pointSize, margin, legend });
    this.layer = new OffscreenCanvas(canvas.width, canvas.height);
    this.view = { x0: -1, y0: -1, x1: 1, y1: 1 };
    this.marked = null;
    this.box = null;
    this.markers = null;
    this.hasPoints = false;
    this.paintLayer([], []);
    this.draw();
  }

  // points: flat [x, y, x, y, …]; labels: one per point. The view is fitted to them and to the
  // `include` points ([[x, y], …]) that must stay in sight (a box's corners, say).
  setPoints(points, labels, { include = [] } = {}) {
    this.fit(points, include);
    this.paintLayer(points, labels);
    this.hasPoints = points.length > 0;
    this.draw();
  }

  fit(points, include) {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    const take = (x, y) => {
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    };
    for (let i = 0; i + 1 < points.length; i += 2) take(points[i], points[i + 1]);
    for (const [x, y] of include) take(x, y);
    if (!(x1 >= x0)) [x0, y0, x1, y1] = [-1, -1, 1, 1];
    // Equal units on both axes: the shorter side widens to the canvas's aspect.
    const aspect = this.canvas.width / this.canvas.height;
    let [w, h] = [Math.max(x1 - x0, 1e-6), Math.max(y1 - y0, 1e-6)];
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
    const [hw, hh] = [(w / 2) * (1 + 2 * this.margin), (h / 2) * (1 + 2 * this.margin)];
    this.view = { x0: cx - hw, y0: cy - hh, x1: cx + hw, y1: cy + hh };
    this.canvas.dataset.view = [this.view.x0, this.view.y0, this.view.x1, this.view.y1].map((v) => v.toFixed(3)).join(',');
  }

  // Canvas pixels ↔ data coordinates (canvas pixels, not CSS pixels; y grows down on the
  // canvas and up in the data).
  toPixel(x, y) {
    const { x0, y0, x1, y1 } = this.view;
    return [((x - x0) / (x1 - x0)) * this.canvas.width, ((y1 - y) / (y1 - y0)) * this.canvas.height];
  }

  toData(px, py) {
    const { x0, y0, x1, y1 } = this.view;
    return [x0 + (px / this.canvas.width) * (x1 - x0), y1 - (py / this.canvas.height) * (y1 - y0)];
  }

  // A pointer event's place in canvas pixels, whatever size the canvas is shown at.
  pixelOf(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [(event.clientX - rect.left) * (this.canvas.width / rect.width),
      (event.clientY - rect.top) * (this.canvas.height / rect.height)];
  }

  dataOf(event) {
    return this.toData(...this.pixelOf(event));
  }

  // The marked point [x, y] (a white ring), or null.
  mark(point) {
    this.marked = point;
    this.draw();
  }

  // The box {x0, y0, x1, y1} in data coordinates, or null. The canvas carries it (data-box) and
  // its place in canvas pixels (data-box-pixels: left, top, right, bottom) for tests.
  setBox(box) {
    this.box = box;
    if (box) {
      const r = this.boxPixels();
      this.canvas.dataset.box = [box.x0, box.y0, box.x1, box.y1].map((v) => v.toFixed(3)).join(',');
      this.canvas.dataset.boxPixels = [r.left, r.top, r.right, r.bottom].map((v) => v.toFixed(1)).join(',');
    } else {
      delete this.canvas.dataset.box;
      delete this.canvas.dataset.boxPixels;
    }
    this.draw();
  }

  boxPixels() {
    const [left, bottom] = this.toPixel(this.box.x0, this.box.y0);
    const [right, top] = this.toPixel(this.box.x1, this.box.y1);
    return { left, top, right, bottom };
  }

  // What a canvas pixel is over: 'handle' (the box's lower right corner), 'box' or null.
  hit(px, py) {
    if (!this.box) return null;
    const r = this.boxPixels();
    if (Math.abs(px - r.right) <= HANDLE && Math.abs(py - r.bottom) <= HANDLE) return 'handle';
    if (px >= r.left && px <= r.right && py >= r.top && py <= r.bottom) return 'box';
    return null;
  }

  // Extra points, flat [x, y, …] (e.g. sampled codes), drawn as small white squares; or null.
  setMarkers(points) {
    this.markers = points;
    this.draw();
  }

  paintLayer(points, labels) {
    const c = this.layer.getContext('2d');
    const { width, height } = this.layer;
    c.fillStyle = BACKGROUND;
    c.fillRect(0, 0, width, height);
    this.paintAxes(c);
    const s = this.pointSize;
    c.globalAlpha = 0.75;
    for (let i = 0; i < labels.length; i += 1) {
      const [px, py] = this.toPixel(points[2 * i], points[2 * i + 1]);
      c.fillStyle = this.colors[labels[i]] ?? TEXT;
      c.fillRect(px - s / 2, py - s / 2, s, s);
    }
    c.globalAlpha = 1;
    if (this.legend) this.paintLegend(c);
  }

  // Faint lines through 0 and a few tick values along the lower and left edges.
  paintAxes(c) {
    const { x0, y0, x1, y1 } = this.view;
    const { width, height } = this.layer;
    const step = tickStep(x1 - x0, 6);
    c.font = labelFont(this.canvas, 12);
    c.fillStyle = TEXT;
    c.strokeStyle = AXIS;
    c.lineWidth = 1;
    const [zx, zy] = this.toPixel(0, 0);
    c.beginPath();
    if (zx > 0 && zx < width) { c.moveTo(Math.round(zx) + 0.5, 0); c.lineTo(Math.round(zx) + 0.5, height); }
    if (zy > 0 && zy < height) { c.moveTo(0, Math.round(zy) + 0.5); c.lineTo(width, Math.round(zy) + 0.5); }
    c.stroke();
    const label = (v) => String(Number(v.toPrecision(6)));
    c.textAlign = 'center';
    for (let v = Math.ceil(x0 / step) * step; v <= x1; v += step) {
      const [px] = this.toPixel(v, 0);
      if (px > 14 && px < width - 14) { c.fillRect(Math.round(px), height - 4, 1, 4); c.fillText(label(v), px, height - 6); }
    }
    c.textAlign = 'left';
    for (let v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
      const [, py] = this.toPixel(0, v);
      if (py > 28 && py < height - 18) { c.fillRect(0, Math.round(py), 4, 1); c.fillText(label(v), 6, py + 4); }
    }
  }

  paintLegend(c) {
    c.font = labelFont(this.canvas, 12);
    c.textAlign = 'left';
    c.fillStyle = 'rgba(17, 17, 17, 0.8)';
    c.fillRect(4, 4, this.colors.length * 20 + 6, 20);
    this.colors.forEach((color, label) => {
      c.fillStyle = color;
      c.fillRect(9 + label * 20, 10, 7, 7);
      c.fillText(String(label), 18 + label * 20, 18);
    });
  }

  draw() {
    const c = this.canvas.getContext('2d');
    c.drawImage(this.layer, 0, 0);
    if (this.box) {
      const r = this.boxPixels();
      c.fillStyle = 'rgba(245, 158, 11, 0.08)';
      c.fillRect(r.left, r.top, r.right - r.left, r.bottom - r.top);
      c.strokeStyle = BOX;
      c.lineWidth = 2;
      c.strokeRect(r.left, r.top, r.right - r.left, r.bottom - r.top);
      c.fillStyle = BOX;
      c.fillRect(r.right - HANDLE / 2 - 1, r.bottom - HANDLE / 2 - 1, HANDLE, HANDLE);
    }
    if (this.markers) {
      c.strokeStyle = 'white';
      c.lineWidth = 1.5;
      for (let i = 0; i + 1 < this.markers.length; i += 2) {
        const [px, py] = this.toPixel(this.markers[i], this.markers[i + 1]);
        c.strokeRect(px - 3, py - 3, 6, 6);
      }
    }
    if (this.marked) {
      const [px, py] = this.toPixel(...this.marked);
      for (const [color, width] of [['black', 5], ['white', 2.5]]) {
        c.strokeStyle = color;
        c.lineWidth = width;
        c.beginPath();
        c.arc(px, py, 7, 0, 2 * Math.PI);
        c.stroke();
      }
    }
  }
}
