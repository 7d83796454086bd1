// A classic script, run before the page's modules (index.html): when one of them throws while the
// module graph loads, none of the page's code runs, so nothing else would say why the page stays
// at "starting…". This shows that error in the header's note, in the page's language when the
// string tables load (else the bare error). Once www/main.js has started (window.latentLab), the
// page reports its own errors and this stays quiet.
addEventListener('error', async (event) => {
  if (window.latentLab) return;
  const note = document.querySelector('[data-testid=note]');
  if (!note) return;
  let words = { failed: event.message, badge: null };
  try {
    const i18n = await import('./i18n/i18n.js');
    i18n.setLanguage(i18n.requestedLanguage().code, { remember: false });
    words = { failed: i18n.t('start.failed', { error: event.message }), badge: i18n.t('start.not-started') };
  } catch {
    // the tables themselves could not load: the error alone says what went wrong
  }
  const line = document.createElement('span');
  line.dataset.kind = 'error';
  line.textContent = words.failed;
  note.append(line);
  note.hidden = false;
  const badge = document.querySelector('[data-testid=backend]');
  if (badge && words.badge) badge.textContent = words.badge;
});
