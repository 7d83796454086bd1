// Diagrams of the running models, drawn with SVG: boxes (nodes) joined by arrows (edges), a
// node holding a title, a line of text, a canvas (values the worker sent as RGBA) or a row of
// bars (values the worker sent as numbers). Used by the auto-encoder's layer diagram, the VAE's
// structure and the GAN's training loop. Only drawing: every value comes from the worker.
import { fixed } from '../i18n/i18n.js';
const SVG = 'http://www.w3.org/2000/svg';
const XHTML = 'http://www.w3.org/1999/xhtml';
const TITLE_HEIGHT = 16;

function element(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.append(node);
  return node;
}

export class Graph {
  // svg: an <svg> element. nodes: [{id, x, y, w, h, title, body, note, attrs, canvas: {width,
  // height, attrs}, bars: {range: [low, high], band: [low, high]}, action, label, shape}], x, y the
  // box's top left (the title sits above it, the body inside, the note below). edges: [{from, to, points, label}]: an arrow from
  // the right edge of `from` to the left edge of `to`, or along `points` when given.
  constructor(svg, { width, height, nodes, edges = [] }) {
    this.svg = svg;
    // Room above the top row for its titles.
    svg.setAttribute('viewBox', `0 -${TITLE_HEIGHT} ${width} ${height + TITLE_HEIGHT}`);
    svg.classList.add('graph');
    const defs = element('defs', {}, svg);
    const marker = element('marker', { id: `${svg.id}-arrow`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    element('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow-head' }, marker);
    this.edgeLayer = element('g', { class: 'edges' }, svg);
    this.nodes = new Map();
    for (const spec of nodes) this.addNode(spec);
    for (const edge of edges) this.addEdge(edge);
  }

  addNode({ id, x, y, w, h, title, body, note, attrs = {}, canvas, bars, action, label, shape = 'box' }) {
    const group = element('g', { class: `node ${shape}`, 'data-node': id, ...attrs }, this.svg);
    const node = { id, x, y, w, h, group, spec: { bars } };
    // A node with an action is a button named by `label`: its box, while the title and note
    // stay outside it (visible text inside a button would have to begin its name).
    const box = action ? element('g', { role: 'button', tabindex: 0, 'aria-label': label ?? title ?? id }, group) : group;
    element('rect', { x, y, width: w, height: h, rx: 6, class: 'frame' }, box);
    if (title) node.title = element('text', { x: x + w / 2, y: y - 5, class: 'title', 'text-anchor': 'middle' }, group);
    if (title) node.title.textContent = title;
    if (body) {
      node.body = element('text', { x: x + w / 2, y: y + h / 2 + 4, class: 'body', 'text-anchor': 'middle' }, group);
      node.body.textContent = body;
    }
    if (note !== undefined) {
      node.note = element('text', { x: x + w / 2, y: y + h + 14, class: 'note', 'text-anchor': 'middle' }, group);
      node.note.textContent = note;
    }
    if (canvas) {
      const pad = canvas.pad ?? 4;
      const holder = element('foreignObject', { x: x + pad, y: y + pad, width: w - 2 * pad, height: h - 2 * pad }, box);
      node.canvas = document.createElementNS(XHTML, 'canvas');
      node.canvas.width = canvas.width;
      node.canvas.height = canvas.height;
      for (const [key, value] of Object.entries(canvas.attrs ?? {})) node.canvas.setAttribute(key, String(value));
      holder.append(node.canvas);
    }
    if (bars) {
      node.bars = element('g', { class: 'bars' }, group);
      const [low, high] = bars.range;
      const zero = this.barY(node, 0);
      if (bars.band) {
        const [from, to] = bars.band.map((v) => this.barY(node, v));
        element('rect', { x: x + 2, y: Math.min(from, to), width: w - 4, height: Math.abs(to - from), class: 'band' }, group);
      }
      if (low < 0 && high > 0) element('line', { x1: x + 2, x2: x + w - 2, y1: zero, y2: zero, class: 'zero' }, group);
      node.bars.parentNode.append(node.bars); // above the band and the zero line
    }
    if (action) {
      node.button = box;
      box.addEventListener('click', () => action(id));
      box.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        action(id);
      });
    }
    this.nodes.set(id, node);
    return node;
  }

  // The y of `value` on a bar node's scale, clamped to its box.
  barY(node, value) {
    const [low, high] = node.spec.bars.range;
    const t = Math.min(1, Math.max(0, (value - low) / (high - low)));
    return node.y + node.h - 3 - t * (node.h - 6);
  }

  addEdge({ from, to, points, label, id }) {
    const a = this.nodes.get(from);
    const b = this.nodes.get(to);
    const route = points ?? [[a.x + a.w, a.y + a.h / 2], [b.x, b.y + b.h / 2]];
    const path = element('path', {
      d: route.map(([x, y], i) => `${i ? 'L' : 'M'}${x},${y}`).join(' '),
      class: 'edge', 'marker-end': `url(#${this.svg.id}-arrow)`, 'data-from': from, 'data-to': to,
      ...(id ? { 'data-edge': id } : {}),
    }, this.edgeLayer);
    if (label) {
      const [[x1, y1], [x2, y2]] = route.slice(-2);
      element('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5, class: 'edge-label', 'text-anchor': 'middle' }, this.edgeLayer).textContent = label;
    }
    return path;
  }

  node(id) {
    return this.nodes.get(id).group;
  }

  canvas(id) {
    return this.nodes.get(id).canvas;
  }

  note(id, text) {
    this.nodes.get(id).note.textContent = text;
  }

  // One bar per value, up from 0 for positive and down for negative, on the node's fixed range
  // (values beyond it reach the edge); the values as given go into data-values. `classes`: a
  // class per bar (its colour), else by sign.
  bars(id, values, labels = [], classes = []) {
    const node = this.nodes.get(id);
    node.group.dataset.values = JSON.stringify(values);
    const slot = (node.w - 4) / values.length;
    const zero = this.barY(node, Math.min(Math.max(0, node.spec.bars.range[0]), node.spec.bars.range[1]));
    const rects = node.bars.children;
    values.forEach((value, i) => {
      const rect = rects[i] ?? element('rect', {}, node.bars);
      const top = this.barY(node, value);
      rect.setAttribute('x', node.x + 2 + i * slot + slot * 0.15);
      rect.setAttribute('width', slot * 0.7);
      rect.setAttribute('y', Math.min(top, zero));
      rect.setAttribute('height', Math.max(0.5, Math.abs(top - zero)));
      rect.setAttribute('class', classes[i] ?? (value >= 0 ? 'positive' : 'negative'));
      let tip = rect.firstChild;
      if (!tip) tip = element('title', {}, rect);
      tip.textContent = labels[i] ?? `${i + 1}: ${fixed(value, 3)}`;
    });
    while (rects.length > values.length) rects[rects.length - 1].remove();
  }

  // Lights the nodes `ids` (and the edges between two lit nodes); the rest go dim when any is lit.
  light(ids = []) {
    const lit = new Set(ids);
    this.svg.classList.toggle('lighting', lit.size > 0);
    for (const [id, node] of this.nodes) node.group.classList.toggle('lit', lit.has(id));
    for (const edge of this.edgeLayer.querySelectorAll('path')) {
      edge.classList.toggle('lit', lit.has(edge.dataset.from) && lit.has(edge.dataset.to));
    }
  }
}
