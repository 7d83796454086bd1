// The service worker: keeps, for offline use, what the visitor used, and everything else only when
// asked. At the repository's (or deploy folder's) root, so its scope covers the page, www/ and the
// wasm builds. Registered by www/ui/offline.js once the demo has started, in a secure context only.
//
// What it keeps: each file of www/asset-manifest.json (and the page's own URL) as the page or its
// workers fetch it, in one cache named after the SHA-256 of the manifest's text (so a changed
// file gives a new cache). On each visit the page asks for a refresh and sends the URLs it and
// its model worker used: those fetched while this worker did not control the page (all of a
// first visit) are added then, and older builds' caches deleted. Nothing a demo did not ask for is downloaded, unless the visitor asks to keep every demo
// ({type: 'keep-all'}, the footer's button): then every other file of the manifest is fetched,
// and that consent carries over to the caches of later builds.
//
// How it answers: network first, the cache only when the network fails. Online the page always
// gets the files the server has now (no stale copy, whatever the cache holds); offline it gets
// what was kept.
const PREFIX = 'latent-lab-';
const base = new URL('./', self.location.href);
const manifestUrl = new URL('www/asset-manifest.json', base).href;
// In a cache: the visitor asked to keep every demo there.
const keepAllMark = new URL('__latent-lab-keep-all', base).href;

self.addEventListener('install', () => self.skipWaiting());

// The build the manifest describes: {name, text, files: Map(url → {bytes, wire})}, read again on each
// page load and refresh; null while unknown (offline, or not read yet). `buildRead`: the latest
// reading, which responses wait for before they are kept.
let build = null;
let buildRead = null;

async function readBuild() {
  const response = await fetch(manifestUrl, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${manifestUrl}: HTTP ${response.status}`);
  const text = await response.text();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  const name = PREFIX + Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  const files = new Map(Object.entries(JSON.parse(text)).map(([path, { bytes, wire }]) => [new URL(path, manifestUrl).href, { bytes, wire }]));
  // The page itself, under its bare URL (any query is the same page; its size is not listed), and
  // the manifest (the worker checks every asset against it, offline too).
  files.set(base.href, { bytes: 0, wire: 0 });
  files.set(manifestUrl, { bytes: text.length, wire: text.length });
  build = { name, text, files };
  return build;
}

// Reads the manifest again (a page load may come from a new build); keeps the old reading offline.
function reread() {
  buildRead = readBuild().catch(() => build);
  return buildRead;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate' || !buildRead) reread();
  event.respondWith(networkElseCache(event));
});

// The bare URL a response is kept under, when it is one of the build's files.
function keptUrl(request) {
  const url = new URL(request.url);
  if (request.mode === 'navigate' && url.pathname === base.pathname) return base.href;
  url.search = '';
  return build?.files.has(url.href) ? url.href : null;
}

async function networkElseCache(event) {
  const { request } = event;
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    // A page URL carries its settings in the query (?demo=gan&…): any of them is the page.
    const navigation = request.mode === 'navigate';
    const cached = await caches.match(request, { ignoreSearch: navigation })
      ?? (navigation ? await caches.match(base.href) : undefined);
    if (cached) return cached;
    throw error;
  }
  if (response.ok && response.type === 'basic') event.waitUntil(keep(request, response.clone()));
  return response;
}

// Keeps a response the page fetched, when it is one of the build's files.
async function keep(request, response) {
  await buildRead;
  const url = keptUrl(request);
  if (!url) return;
  try {
    await (await caches.open(build.name)).put(url, response);
  } catch {
    // A download cut short is not kept; the next visit's refresh adds the file.
  }
}

// Messages on a MessageChannel:
//   {type: 'refresh', used: [url]}  keeps the used files not kept yet, deletes older builds'
//     caches, and answers with the state: {cache, files, bytes, rest, restFiles, all, millis}
//     (`rest`: the bytes a download of every other file costs), or {offline: true, cache};
//   {type: 'keep-all'}  fetches every file not kept yet, posting {progress} on the way, then
//     answers with the state as above;
//   either answers {error} when it fails.
self.addEventListener('message', (event) => {
  const { type, used = [] } = event.data ?? {};
  if (type !== 'refresh' && type !== 'keep-all') return;
  const [port] = event.ports;
  const job = type === 'refresh' ? refresh(used) : keepAll((progress) => port.postMessage({ progress }));
  event.waitUntil(job.then((reply) => port.postMessage(reply), (error) => port.postMessage({ error: String(error.message ?? error) })));
});

let busy = Promise.resolve(); // one job at a time; tabs that ask meanwhile wait their turn
function serially(job) {
  const run = busy.then(job, job);
  busy = run.catch(() => {});
  return run;
}

function refresh(used) {
  return serially(async () => {
    const started = performance.now();
    try {
      buildRead = readBuild();
      await buildRead;
    } catch (error) {
      buildRead = Promise.resolve(build);
      if (error instanceof TypeError) return { offline: true, cache: await latestCache() }; // no network
      throw error;
    }
    const cache = await caches.open(build.name);
    await cache.put(manifestUrl, new Response(build.text, { headers: { 'Content-Type': 'application/json' } }));
    const wanted = new Set(used.map((u) => keptUrl(new Request(u))).filter(Boolean));
    wanted.add(base.href);
    // Whoever agreed to keep every demo keeps them in a new build too.
    let all = Boolean(await cache.match(keepAllMark));
    for (const old of await caches.keys()) {
      if (old.startsWith(PREFIX) && old !== build.name && await (await caches.open(old)).match(keepAllMark)) all = true;
    }
    // What this visit used: taken from the browser's HTTP cache where it still holds them (they
    // were fetched moments ago), so a first visit need not download them again.
    await addMissing(cache, all ? [...build.files.keys()] : [...wanted], { mode: all ? 'no-cache' : 'default' });
    if (all) await cache.put(keepAllMark, new Response('yes'));
    for (const old of await caches.keys()) {
      if (old.startsWith(PREFIX) && old !== build.name) await caches.delete(old);
    }
    return { ...(await state(cache)), millis: Math.round(performance.now() - started) };
  });
}

function keepAll(onProgress) {
  return serially(async () => {
    const started = performance.now();
    if (!build) {
      buildRead = readBuild();
      await buildRead;
    }
    const cache = await caches.open(build.name);
    await addMissing(cache, [...build.files.keys()], { onProgress });
    await cache.put(keepAllMark, new Response('yes'));
    return { ...(await state(cache)), millis: Math.round(performance.now() - started) };
  });
}

// Fetches each of `urls` that `cache` lacks (`mode` 'no-cache': revalidated with the server
// rather than taken from the browser's HTTP cache unchecked).
async function addMissing(cache, urls, { mode = 'no-cache', onProgress = () => {} } = {}) {
  const missing = [];
  for (const url of urls) if (!(await cache.match(url))) missing.push(url);
  const total = missing.reduce((sum, url) => sum + (build.files.get(url)?.wire ?? 0), 0);
  let done = 0;
  for (const url of missing) {
    await cache.add(new Request(url, { cache: mode }));
    done += build.files.get(url)?.wire ?? 0;
    onProgress(total ? done / total : 1);
  }
}

async function state(cache) {
  const kept = new Set((await cache.keys()).map((request) => request.url));
  let bytes = 0;
  let rest = 0;
  let files = 0;
  let restFiles = 0;
  for (const [url, size] of build.files) {
    if (kept.has(url)) { files += 1; bytes += size.bytes; } else { restFiles += 1; rest += size.wire; }
  }
  return { cache: build.name, files, bytes, rest, restFiles, all: kept.has(keepAllMark) && restFiles === 0 };
}

// The newest of our caches (offline, the one to run from), or null.
async function latestCache() {
  const ours = (await caches.keys()).filter((name) => name.startsWith(PREFIX));
  return ours.at(-1) ?? null;
}
