// Offline use: registers the service worker (sw.js at the site's root) and asks it to keep the
// build this page came from; the footer says what it kept. Only in a secure context (HTTPS or
// localhost), where browsers allow service workers at all.
export async function keepForOffline(status) {
  const say = (text, state) => { status.textContent = text; status.dataset.state = state; };
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    return say('Not kept for offline use: that needs HTTPS (or localhost).', 'unavailable');
  }
  try {
    await navigator.serviceWorker.register(new URL('../../sw.js', import.meta.url));
    const { active } = await navigator.serviceWorker.ready;
    const reply = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = ({ data }) => resolve(data);
      active.postMessage({ type: 'refresh' }, [channel.port2]);
    });
    if (reply.error) throw new Error(reply.error);
    status.dataset.cache = reply.cache ?? '';
    if (reply.offline) {
      return say(reply.cache ? 'Offline: running from the copy kept on this device.' : 'Offline, and no copy is kept.', 'offline');
    }
    say(`Kept for offline use (${reply.files} files, ${(reply.bytes / 1e6).toFixed(0)} MB).`, 'ready');
  } catch (error) {
    say(`Not kept for offline use: ${error.message ?? error}`, 'failed');
  }
}
