// Writes one self-contained static folder of the playground (`scripts/lab deploy [DIR]`): the
// page, its scripts and styles, the service worker, the weights and data, the wasm builds, and
// the JS/CSS libraries it imports from node_modules, copied to www/vendor/ with every reference
// rewritten, so nothing is read from node_modules at run time. Any static host serves the folder
// as it is; its asset manifest is written for the folder's own files.
//   node scripts/deploy.mjs DIR
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeModulesReferences, pageFiles, repository, writeManifest } from './asset-manifest.mjs';

const VENDOR = 'www/vendor';
// Besides the page's own files (scripts/asset-manifest.mjs lists them): the service worker, the
// data's licence note the footer links to, and the benchmark host (so the page tests run here).
const EXTRA = ['sw.js', 'www/data/README.md', 'www/bench.html', 'www/bench-worker.js'];
const TEXT = /\.(html|js|mjs|css)$/;

export function deploy(out) {
  out = resolve(out);
  const inside = (a, b) => !relative(a, b).startsWith('..');
  if (inside(out, repository)) throw new Error(`${out}: would hold the repository itself`);
  if (existsSync(out) && readdirSync(out).length && !existsSync(join(out, 'www/asset-manifest.json'))) {
    throw new Error(`${out}: not empty and not an earlier deploy folder; not overwritten`);
  }
  rmSync(out, { recursive: true, force: true });

  const files = [...pageFiles(repository).filter((file) => !file.startsWith('node_modules/')), ...EXTRA];
  const libraries = new Map(); // node_modules/… → www/vendor/…
  for (const file of files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    if (!TEXT.test(file)) { cpSync(join(repository, file), join(out, file)); continue; }
    let text = readFileSync(join(repository, file), 'utf8');
    for (const { match, target } of nodeModulesReferences(repository, file)) {
      const vendored = `${VENDOR}/${target.slice('node_modules/'.length)}`;
      libraries.set(target, vendored);
      let reference = posix.relative(posix.dirname(file), vendored);
      if (!reference.startsWith('.')) reference = file.endsWith('.html') ? reference : `./${reference}`;
      text = text.split(match).join(reference);
    }
    writeFileSync(join(out, file), text);
  }
  // Each library with its licence (from its package folder).
  for (const [target, vendored] of libraries) {
    mkdirSync(dirname(join(out, vendored)), { recursive: true });
    cpSync(join(repository, target), join(out, vendored));
    const pkg = target.split('/').slice(0, target.split('/')[1].startsWith('@') ? 3 : 2).join('/');
    for (const licence of readdirSync(join(repository, pkg)).filter((n) => /^(licen[cs]e|copying)/i.test(n))) {
      cpSync(join(repository, pkg, licence), join(out, VENDOR, pkg.slice('node_modules/'.length), licence));
    }
  }

  // Nothing may still point into node_modules.
  const walk = (folder) => readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
  const all = walk(out);
  const leftovers = all.filter((path) => TEXT.test(path) && readFileSync(path, 'utf8').includes('node_modules/'));
  if (leftovers.length) throw new Error(`still naming node_modules: ${leftovers.map((p) => relative(out, p)).join(', ')}`);

  const manifest = writeManifest(out);
  const bytes = all.reduce((sum, path) => sum + statSync(path).size, 0);
  return { out, files: all.length + 1, bytes, libraries: [...libraries.values()], manifest };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) throw new Error('usage: node scripts/deploy.mjs DIR');
  const { out, files, bytes, libraries } = deploy(process.argv[2]);
  console.log(`${out}: ${files} files, ${(bytes / 1e6).toFixed(1)} MB; libraries: ${libraries.join(', ')}`);
  const shown = relative(process.cwd(), out);
  console.log(`Serve it from any static host (e.g. \`python3 -m http.server -d ${shown.startsWith('..') ? out : shown.split(sep).join('/') || '.'}\`).`);
}
