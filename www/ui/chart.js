// A live line chart (uPlot): several series against one x axis (steps, iterations). The element
// carries data-points (how many x values it holds) for tests, and data-empty shows while it is 0;
// page tests read the series themselves from `element.lineChart` (labels and data).
import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

const HEIGHT = 220;
// A chart keeps at most this many x values: past it, every other one is dropped (the curve's shape
// stays). Without a bound a tab left training kept every report and redrew them all each time: in a
// 1-minute soak (tests/soak.mjs) the GAN page's heap after a GC grew 2.95 → 3.11 MiB.
const MAX_POINTS = 2000;

export class LineChart {
  // series: [{label, color}]; log: a log y axis; range: a fixed [min, max] for y.
  constructor(element, { x, y, series, log = false, range = null }) {
    this.element = element;
    this.data = [[], ...series.map(() => [])];
    element.dataset.points = '0';
    element.lineChart = this;
    const grid = { stroke: '#2a2f3a' };
    this.plot = new uPlot({
      width: Math.max(280, element.clientWidth || 640),
      height: HEIGHT,
      scales: { x: { time: false }, y: { ...(log ? { distr: 3 } : {}), ...(range ? { range } : {}) } },
      axes: [
        { label: x, stroke: '#9aa3b2', grid },
        { label: y, stroke: '#9aa3b2', grid, size: 60 },
      ],
      series: [{ label: x }, ...series.map(({ label, color }) => ({ label, stroke: color, width: 2 }))],
    }, this.data, element);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT }))
      .observe(element);
  }

  reset() {
    this.data = this.data.map(() => []);
    this.plot.setData(this.data);
    this.element.dataset.points = '0';
  }

  // One x value and a value per series (null where a series has none).
  add(x, ...values) {
    this.data[0].push(x);
    values.forEach((value, i) => this.data[i + 1].push(value ?? null));
    if (this.data[0].length > MAX_POINTS) {
      const last = this.data[0].length - 1;
      this.data = this.data.map((series) => series.filter((_, k) => k % 2 === 0 || k === last));
    }
    this.plot.setData(this.data);
    this.element.dataset.points = String(this.points);
  }

  get points() {
    return this.data[0].length;
  }

  // The series' labels, in the order of `add`'s values (not the x axis's).
  get labels() {
    return this.plot.series.slice(1).map((s) => s.label);
  }
}
