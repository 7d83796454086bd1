// The service worker: keeps a copy of the playground so that it works offline after one visit.
// At the repository's (or deploy folder's) root, so its scope covers the page, www/ and both
// wasm builds. Registered by www/ui/offline.js, in a secure context only.
//
// What it keeps: every file in www/asset-manifest.json (the page, its scripts and styles, the
// libraries, both wasm builds, the weights and data), the page's own URL and the manifest itself,
// in one cache named after the SHA-256 of the manifest's text. The page asks for a refresh on each
// visit: a manifest that changed (any file changed) fills a new cache; once it is complete the
// older caches are deleted, so the cache always holds one consistent build.
//
// How it answers: network first, the cache only when the network fails. Online the page always
// gets the files the server has now (no stale copy, whatever the cache holds); offline it gets
// the last complete build.
const PREFIX = 'latent-lab-';
const base = new URL('./', self.location.href);
const manifestUrl = new URL('www/asset-manifest.json', base).href;
// Written last: a cache without it is still filling (or its filling failed).
const completeMark = new URL('__latent-lab-cache-complete', base).href;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(networkElseCache(request));
});

async function networkElseCache(request) {
  try {
    return await fetch(request);
  } catch (error) {
    // A page URL carries its settings in the query (?demo=gan&…): any of them is the page.
    const navigation = request.mode === 'navigate';
    const cached = await caches.match(request, { ignoreSearch: navigation })
      ?? (navigation ? await caches.match(base.href) : undefined);
    if (cached) return cached;
    throw error;
  }
}

// {type: 'refresh'} on a MessageChannel: answers {cache, files, bytes, filled, millis} once the
// cache holds the build the manifest describes, {offline: true, cache} when the manifest cannot
// be fetched (the saved build stays), or {error}.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'refresh') return;
  const [port] = event.ports;
  event.waitUntil(refresh().then((reply) => port.postMessage(reply), (error) => port.postMessage({ error: String(error.message ?? error) })));
});

let refreshing = null; // one refresh at a time; tabs that ask meanwhile share it
function refresh() {
  refreshing ??= fill().finally(() => { refreshing = null; });
  return refreshing;
}

async function fill() {
  const started = performance.now();
  let text;
  try {
    const response = await fetch(manifestUrl, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${manifestUrl}: HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    if (error instanceof TypeError) return { offline: true, cache: await completeCache() }; // no network
    throw error;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  const name = PREFIX + Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  const files = Object.keys(JSON.parse(text)).map((path) => new URL(path, manifestUrl).href);
  const cache = await caches.open(name);
  let mark = await cache.match(completeMark);
  const filled = !mark;
  if (filled) {
    // 'no-cache': revalidate with the server rather than trust the browser's HTTP cache.
    await cache.addAll([base.href, ...files].map((url) => new Request(url, { cache: 'no-cache' })));
    await cache.put(manifestUrl, new Response(text, { headers: { 'Content-Type': 'application/json' } }));
    let bytes = 0;
    for (const url of files) bytes += (await (await cache.match(url)).blob()).size;
    await cache.put(completeMark, new Response(JSON.stringify({ files: files.length + 2, bytes })));
    mark = await cache.match(completeMark);
  }
  for (const old of await caches.keys()) {
    if (old.startsWith(PREFIX) && old !== name) await caches.delete(old);
  }
  return { cache: name, ...(await mark.json()), filled, millis: Math.round(performance.now() - started) };
}

async function completeCache() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && await (await caches.open(name)).match(completeMark)) return name;
  }
  return null;
}
