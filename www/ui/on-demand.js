// Weights on demand: the assets of a section further down a demo, fetched (with the header's
// progress) once the section comes within a quarter screen of view, one of its controls gets the
// focus, or the page asks (`load()`: a control elsewhere that needs them), so that a visitor who
// never gets there never downloads them. The section's `data-ready` says when they are in.
import { addNote, hideProgress } from './status.js';
import { message, say } from '../i18n/i18n.js';

// `assets`: as a demo's start-up assets ({session, method, args, path, label, problem}); one with
// `needs: path` is skipped when that file failed (the sentence VAE's shape comes from its corpus).
// `loaded(failed)`: what the section does with them (the paths that failed, each already noted).
// `also`: other elements whose coming near needs them too (a figure measured with them).
export function loadWhenNear(section, worker, assets, loaded, { also = [] } = {}) {
  const watched = [section, ...also];
  let loading = null;
  let settled = true; // the loading is done, or nothing is near yet
  let active = false; // from the demo's start (`watch()`) until a restart (`reset()`)
  let firstLook = false; // after `watch()`, until the observer's first report (where things are)
  const near = new IntersectionObserver((entries) => {
    firstLook = false;
    if (entries.some((entry) => entry.isIntersecting)) load();
  }, { rootMargin: '0px 0px 25% 0px' });

  async function fetchAll() {
    for (const element of watched) near.unobserve(element);
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
    if (!loading) {
      settled = false;
      const attempt = fetchAll().catch((error) => {
        if (!error.restarting) addNote(String(error.message ?? error), 'error');
        return false;
      });
      loading = attempt;
      attempt.then(() => { if (loading === attempt) settled = true; }); // not one from before a restart
    }
    return loading;
  }
  for (const element of watched) element.addEventListener('focusin', () => { load(); });

  return {
    load,
    // Once the demo has started (again after a restart: the new worker has none of them).
    watch() {
      active = true;
      firstLook = true;
      for (const element of watched) near.observe(element);
    },
    reset() {
      active = false;
      firstLook = false;
      loading = null;
      settled = true;
      for (const element of watched) near.unobserve(element);
      section.dataset.ready = 'false';
    },
    // Whether the section may still be loading what is near (for the demo's `idle()`).
    pending: () => firstLook || !settled,
  };
}
