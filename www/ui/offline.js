// Offline use, by consent (sw.js): registers the service worker at the site's root and asks it to
// keep what this visit used (the page's files and those its model worker fetched: `used()` gives
// their URLs); the footer says what is kept and offers to keep every demo, with the download's
// size, which only a click starts. Only in a secure context (HTTPS or localhost), where browsers
// allow service workers at all.
const MB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function keepForOffline(status, keepAllButton, used) {
  const say = (text, state) => { status.textContent = text; status.dataset.state = state; };
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    return say('Not kept for offline use: that needs HTTPS (or localhost).', 'unavailable');
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
      return say(reply.cache ? 'Offline: running from the copy kept on this device.' : 'Offline, and no copy is kept.', 'offline');
    }
    const kept = `${reply.files} files, ${MB(reply.bytes)}`;
    say(reply.all ? `Every demo is kept for offline use (${kept}).` : `Kept for offline use: what you used (${kept}).`, 'ready');
    keepAllButton.hidden = reply.all;
    keepAllButton.textContent = `Keep every demo for offline use (${MB(reply.rest)})`;
  };
  keepAllButton.onclick = async () => {
    keepAllButton.disabled = true;
    say('Keeping every demo for offline use…', 'keeping');
    try {
      show(await ask({ type: 'keep-all' }, (fraction) => say(`Keeping every demo for offline use… ${Math.round(fraction * 100)} %`, 'keeping')));
    } catch (error) {
      say(`Not every demo is kept for offline use: ${error.message ?? error}`, 'failed');
    } finally {
      keepAllButton.disabled = false;
    }
  };
  try {
    await navigator.serviceWorker.register(new URL('../../sw.js', import.meta.url));
    show(await ask({ type: 'refresh', used: await used() }));
  } catch (error) {
    say(`Not kept for offline use: ${error.message ?? error}`, 'failed');
  }
}
