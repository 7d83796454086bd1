// Ten columns, one per digit: how many samples a classifier reads as that digit (the confident
// ones solid, where `reading.confident` is given), and a tick at the count among real digits.
import { t } from '../i18n/i18n.js';
export function buildHistogram(element) {
  const columns = Array.from({ length: 10 }, (_, digit) => {
    const column = document.createElement('div');
    column.className = 'column';
    column.innerHTML = '<div class="bars"><span class="all"></span><span class="confident"></span><span class="real"></span></div>'
      + `<span class="label">${digit}</span>`;
    element.append(column);
    return column;
  });
  return {
    update(reading, real) {
      const confident = reading.confident ?? reading.histogram;
      const top = Math.max(1, ...reading.histogram, ...(real?.histogram ?? []));
      columns.forEach((column, digit) => {
        const height = (count) => `${(100 * count) / top}%`;
        column.dataset.count = reading.histogram[digit];
        column.dataset.confident = confident[digit];
        column.querySelector('.all').style.height = height(reading.histogram[digit]);
        column.querySelector('.confident').style.height = height(confident[digit]);
        const tick = column.querySelector('.real');
        tick.hidden = !real;
        if (real) tick.style.bottom = height(real.histogram[digit]);
        column.title = reading.confident
          ? t('histogram.confident', { digit, samples: reading.histogram[digit], confident: confident[digit] })
          : t('histogram.samples', { digit, samples: reading.histogram[digit] });
        if (real) column.title += t('histogram.real', { real: real.histogram[digit] });
      });
      element.dataset.counts = reading.histogram.join(',');
    },
  };
}
