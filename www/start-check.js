// A classic script, run before the page's modules (index.html): when one of them throws while the
// module graph loads, none of the page's code runs, so nothing else would say why the page stays
// at "starting…". This shows that error in the header's note. Once www/main.js has started
// (window.latentLab), the page reports its own errors and this stays quiet.
addEventListener('error', (event) => {
  if (window.latentLab) return;
  const note = document.querySelector('[data-testid=note]');
  if (!note) return;
  const line = document.createElement('span');
  line.dataset.kind = 'error';
  line.textContent = `The page could not start in this browser: ${event.message}`;
  note.append(line);
  note.hidden = false;
  const badge = document.querySelector('[data-testid=backend]');
  if (badge) badge.textContent = 'not started';
});
