// Ten columns, one per digit: how many samples a classifier reads as that digit (the confident
// ones solid, where `reading.confident` is given), and a tick at the count among real digits.
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
          ? `${digit}: ${reading.histogram[digit]} samples, ${confident[digit]} confident`
          : `${digit}: ${reading.histogram[digit]} samples`;
        if (real) column.title += `; real test digits: ${real.histogram[digit]}`;
      });
      element.dataset.counts = reading.histogram.join(',');
    },
  };
}
