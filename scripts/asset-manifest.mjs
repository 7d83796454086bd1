// Writes www/asset-manifest.json: the SHA-256 of every weights and data file the page loads,
// by its path under www/. The model worker checks each file it fetches against it and names any
// file that does not match (a half-finished download, a stale cache, a file changed on the host).
// Run by `scripts/lab build` (and so by serve and test); the manifest is build output.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const www = fileURLToPath(new URL('../www/', import.meta.url));
const ASSET_FOLDERS = ['weights', 'data'];
const ASSET = /\.(bpk|bin\.gz|tsv\.gz|json)$/;

const manifest = {};
for (const folder of ASSET_FOLDERS) {
  // Subfolders included (data/text/), with '/' between the parts on every system.
  const names = readdirSync(`${www}${folder}`, { recursive: true }).map((n) => n.split(sep).join('/'));
  for (const name of names.filter((n) => ASSET.test(n)).sort()) {
    manifest[`${folder}/${name}`] = createHash('sha256').update(readFileSync(`${www}${folder}/${name}`)).digest('hex');
  }
}
writeFileSync(`${www}asset-manifest.json`, `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`www/asset-manifest.json: ${Object.keys(manifest).length} files`);
