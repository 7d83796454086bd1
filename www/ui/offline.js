// Offline use: registers the service worker (sw.js at the site's root) and asks it to keep the
// build this page came from; the footer says what it kept. Only in a secure context (HTTPS or
// localhost), where browsers allow service workers at all.
import { t, number } from '../i18n/i18n.js';
export async function keepForOffline(status) {
  const show = (text, state) => { status.textContent = text; status.dataset.state = state; };
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    return show(t('offline.unavailable'), 'unavailable');
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
      return show(t(reply.cache ? 'offline.running' : 'offline.no-copy'), 'offline');
    }
    show(t('offline.kept', { files: reply.files, megabytes: number(reply.bytes / 1e6, { maximumFractionDigits: 0 }) }), 'ready');
  } catch (error) {
    show(t('offline.failed', { error: String(error.message ?? error) }), 'failed');
  }
}
