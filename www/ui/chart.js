// A live loss chart (uPlot): train and test loss against steps.
import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

export class LossChart {
  constructor(element) {
    this.element = element;
    this.data = [[], [], []];
    element.dataset.points = '0';
    this.plot = new uPlot({
      width: Math.max(320, element.clientWidth || 640),
      height: 220,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [
        { label: 'steps', stroke: '#9aa3b2', grid: { stroke: '#2a2f3a' } },
        { label: 'error per image (log)', stroke: '#9aa3b2', grid: { stroke: '#2a2f3a' }, size: 60 },
      ],
      series: [
        { label: 'step' },
        { label: 'train', stroke: '#f59e0b', width: 2 },
        { label: 'test', stroke: '#38bdf8', width: 2 },
      ],
    }, this.data, element);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(320, element.clientWidth), height: 220 }))
      .observe(element);
  }

  reset() {
    this.data = [[], [], []];
    this.plot.setData(this.data);
    this.element.dataset.points = '0';
  }

  add(step, train, test) {
    this.data[0].push(step);
    this.data[1].push(train);
    this.data[2].push(test);
    this.plot.setData(this.data);
    this.element.dataset.points = String(this.points);
  }

  get points() {
    return this.data[0].length;
  }
}
