// Offline use, by consent (sw.js): registers the service worker at the site's root and asks it to
// keep what this visit used (the page's files and those its model worker fetched: `used()` gives
// their URLs); the footer says what is kept and offers to keep every demo, with the download's
// size, which only a click starts. Only in a secure context (HTTPS or localhost), where browsers
// allow service workers at all.
import { t, number } from '../i18n/i18n.js';

const megabytes = (bytes) => number(bytes / 1e6, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export async function keepForOffline(status, keepAllButton, used) {
  const say = (text, state) => { status.textContent = text; status.dataset.state = state; };
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    return say(t('offline.unavailable'), 'unavailable');
  }
  // One request to the service worker; `onProgress` gets its {progress} messages on the way.
  const ask = async (message, onProgress = () => {}) => {
    const { active } = await navigator.serviceWorker.ready;
    const reply = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = ({ data }) => (data.progress === undefined ? resolve(data) : onProgress(data.progress));
      active.postMessage(message, [channel.port2]);
    });
    if (reply.error) throw new Error(reply.error);
    return reply;
  };
  const show = (reply) => {
    status.dataset.cache = reply.cache ?? '';
    if (reply.offline) {
      keepAllButton.hidden = true;
      return say(t(reply.cache ? 'offline.running' : 'offline.no-copy'), 'offline');
    }
    const kept = { files: reply.files, megabytes: megabytes(reply.bytes) };
    say(t(reply.all ? 'offline.kept-all' : 'offline.kept-used', kept), 'ready');
    keepAllButton.hidden = reply.all;
    keepAllButton.textContent = t('offline.keep-all', { megabytes: megabytes(reply.rest) });
  };
  keepAllButton.onclick = async () => {
    keepAllButton.disabled = true;
    say(t('offline.keeping'), 'keeping');
    try {
      show(await ask({ type: 'keep-all' }, (fraction) => say(t('offline.keeping-share', { percent: number(fraction, { style: 'percent' }) }), 'keeping')));
    } catch (error) {
      say(t('offline.keep-all-failed', { error: String(error.message ?? error) }), 'failed');
    } finally {
      keepAllButton.disabled = false;
    }
  };
  try {
    await navigator.serviceWorker.register(new URL('../../sw.js', import.meta.url));
    show(await ask({ type: 'refresh', used: await used() }));
  } catch (error) {
    say(t('offline.failed', { error: String(error.message ?? error) }), 'failed');
  }
}
