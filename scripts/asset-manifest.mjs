// Writes www/asset-manifest.json: the SHA-256 and size of every file the page loads, by its path relative
// to www/ (so `weights/ae.bpk`, `main.js`, `../index.html`, `../pkg/latent_lab_bg.wasm`):
//   - the weights and data: the model worker checks each one it fetches against it and names any
//     file that does not match (a half-finished download, a stale cache, a file changed on host);
//   - the page itself (index.html, its scripts and styles, the path's pictures, the JS/CSS
//     libraries it imports, the three wasm builds): the service worker (sw.js) keeps the listed
//     files the visitor used (all of them when asked: the footer's button gives their size) for
//     offline use, in a cache named after the manifest's own hash, so any change to any file gives
//     a new cache.
// Run by `scripts/lab build` (and so by serve and test) for the repository, and by
// `scripts/lab deploy` for the folder it writes; the manifest is build output.
//   node scripts/asset-manifest.mjs [ROOT]   (default: the repository)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repository = fileURLToPath(new URL('..', import.meta.url));

const ASSET_FOLDERS = ['www/weights', 'www/data'];
const ASSET = /\.(bpk|bin\.gz|tsv\.gz|json)$/;
// The page's own code: index.html and every script and stylesheet under www/ but the benchmark
// host (www/bench.html, www/bench-worker.js: used by `scripts/lab bench` and tests, not the page).
const NOT_THE_PAGE = new Set(['www/bench-worker.js']);
const CODE = /\.(js|css)$/;
// The path's pictures (scripts/path-pictures.mjs), shown on its landing view.
const PICTURES = 'www/path/pictures';
const PICTURE = /\.webp$/;
// Of each wasm build, what the browser loads: wasm-bindgen's glue, the module and its snippets.
const BUILDS = ['pkg', 'pkg-cpu', 'pkg-threads'];

const toPosix = (path) => path.split(sep).join('/');

function walk(folder) { // every file under `folder`, as absolute paths, sorted
  if (!existsSync(folder)) return [];
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// `node_modules/…` paths that a page file names (an import, a <link>, a url()), resolved from
// the file: [{ match, target }] with `target` relative to `root`.
export function nodeModulesReferences(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [];
  for (const m of text.matchAll(/(?<=['"(])((?:\.{1,2}\/)*node_modules\/[^'"()\s]+)/g)) {
    const target = toPosix(relative(root, resolve(join(root, dirname(file)), m[1])));
    if (!target.startsWith('node_modules/')) throw new Error(`${file}: ${m[1]} points outside the repository's node_modules`);
    found.push({ match: m[1], target });
  }
  return found;
}

// Every file the page may load, relative to `root` (the repository or a deploy folder), sorted.
export function pageFiles(root) {
  const rel = (path) => toPosix(relative(root, path));
  const assets = ASSET_FOLDERS.flatMap((folder) => walk(join(root, folder))).map(rel).filter((p) => ASSET.test(p));
  const code = ['index.html', ...walk(join(root, 'www')).map(rel)
    .filter((p) => CODE.test(p) && !NOT_THE_PAGE.has(p) && !ASSET_FOLDERS.some((f) => p.startsWith(`${f}/`)))];
  const pictures = walk(join(root, PICTURES)).map(rel).filter((p) => PICTURE.test(p));
  const libraries = code.flatMap((file) => nodeModulesReferences(root, file).map((r) => r.target));
  const builds = BUILDS.flatMap((build) => [`${build}/latent_lab.js`, `${build}/latent_lab_bg.wasm`,
    ...walk(join(root, build, 'snippets')).map(rel).filter((p) => p.endsWith('.js'))]);
  for (const file of builds) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: build the wasm first (scripts/lab build)`);
  }
  return [...new Set([...assets, ...code, ...pictures, ...libraries, ...builds])].sort();
}

// Writes `root`/www/asset-manifest.json, {path: {sha256, bytes, wire}} (`wire`: the bytes a
// download costs, the .gz beside the file where there is one, which the server sends instead);
// returns { files, bytes }.
export function writeManifest(root) {
  const manifest = {};
  let bytes = 0;
  for (const file of pageFiles(root)) {
    const content = readFileSync(join(root, file));
    bytes += content.length;
    const gzip = join(root, `${file}.gz`);
    manifest[posix.relative('www', file)] = {
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: content.length,
      wire: existsSync(gzip) ? statSync(gzip).size : content.length,
    };
  }
  writeFileSync(join(root, 'www/asset-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return { files: Object.keys(manifest).length, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? repository);
  const { files, bytes } = writeManifest(root);
  console.log(`${toPosix(relative(process.cwd(), join(root, 'www/asset-manifest.json')))}: ${files} files, ${(bytes / 1e6).toFixed(1)} MB`);
}
