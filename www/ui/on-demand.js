// Weights on demand: the assets of a section further down a demo, fetched (with the header's
// progress) once the section comes within a quarter screen of view, one of its controls gets the
// focus, or the page asks (`load()`: a control elsewhere that needs them), so that a visitor who
// never gets there never downloads them. The section's `data-ready` says when they are in.
import { addNote, hideProgress } from './status.js';
import { message, say } from '../i18n/i18n.js';

// `assets`: as a demo's start-up assets ({session, method, args, path, label, problem}); one with
// `needs: path` is skipped when that file failed (the sentence VAE's shape comes from its corpus).
// `loaded(failed)`: what the section does with them (the paths that failed, each already noted).
export function loadWhenNear(section, worker, assets, loaded) {
  let loading = null;
  let active = false; // from the demo's start (`watch()`) until a restart (`reset()`)
  const near = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) load();
  }, { rootMargin: '0px 0px 25% 0px' });

  async function fetchAll() {
    near.unobserve(section);
    const failed = [];
    for (const asset of assets) {
      if (asset.needs && failed.includes(asset.needs)) continue;
      try {
        await worker.load(asset);
      } catch (error) {
        if (error.restarting) return false; // the new worker starts over (`reset()`, `watch()`)
        addNote(say(message('worker.asset-problem', { error: String(error.message ?? error), consequence: asset.problem })), 'error');
        failed.push(asset.path);
      }
    }
    hideProgress();
    await loaded(failed);
    section.dataset.ready = 'true';
    return failed.length === 0;
  }

  // Resolves once the section's assets are in (true) or failed (false); never rejects.
  function load() {
    if (!active) return Promise.resolve(false);
    loading ??= fetchAll().catch((error) => {
      if (!error.restarting) addNote(String(error.message ?? error), 'error');
      return false;
    });
    return loading;
  }
  section.addEventListener('focusin', () => { load(); });

  return {
    load,
    // Once the demo has started (again after a restart: the new worker has none of them).
    watch() {
      active = true;
      near.observe(section);
    },
    reset() {
      active = false;
      loading = null;
      near.unobserve(section);
      section.dataset.ready = 'false';
    },
  };
}
