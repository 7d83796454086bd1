// Rewrites the generated blocks of docs/figures.md (`scripts/lab figures` runs it after the
// native quality tests), or checks the sizes block against the build (`scripts/lab test`):
//   node scripts/figures.mjs FIGURES.jsonl | --check-sizes
// - `quality`: the figures the quality tests measured on the shipped weights (FIGURES.jsonl, one
//   JSON line per figure, written by `latent_lab::figures::figure` with LATENT_LAB_FIGURES set);
//   the same tests, run without that variable, fail when the document shows other digits;
// - `sizes`: the wasm builds (raw and gzip'd) and every shipped weight file, from the files;
// - `bench`: the latest `scripts/lab bench` run in bench-results/ (its date, browser and cores),
//   as tests/bench-table.mjs prints it. With no run there (a fresh clone) the block is kept.
// Everything outside the blocks is prose, kept as written. The output depends only on its inputs,
// so a second run changes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOCUMENT = 'docs/figures.md';

const replaceBlock = (text, name, body) => {
  const start = `<!-- generated: ${name} (scripts/lab figures) -->`;
  const end = `<!-- end: ${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${DOCUMENT} lacks the markers of the ${name} block`);
  return `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`;
};

const qualityBlock = (file) => {
  const figures = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const byKey = new Map(figures.map((f) => [f.key, f]));
  const commands = [...new Set([...byKey.values()].map((f) => f.command))].sort();
  return commands.map((command) => {
    const rows = [...byKey.values()].filter((f) => f.command === command).sort((a, b) => a.key.localeCompare(b.key))
      .map((f) => `| ${f.what.replaceAll('|', '\\|')} | ${f.value} | \`${f.command}\` | \`${f.key}\` |`);
    return [`\`${command}\`:`, '', '| what | figure | command | key |', '|---|---|---|---|', ...rows].join('\n');
  }).join('\n\n');
};

const kB = (bytes) => `${(bytes / 1000).toFixed(0)} kB`;
const MB = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

const sizesBlock = () => {
  const rows = ['| file | size | gzip -9 |', '|---|---|---|'];
  for (const build of ['pkg', 'pkg-cpu', 'pkg-threads']) {
    const wasm = join(build, 'latent_lab_bg.wasm');
    if (!existsSync(wasm)) throw new Error(`${wasm} is missing: scripts/lab build first`);
    const gz = `${wasm}.gz`;
    rows.push(`| \`${wasm}\` | ${MB(statSync(wasm).size)} | ${existsSync(gz) ? MB(statSync(gz).size) : '—'} |`);
  }
  let total = 0;
  for (const name of readdirSync('www/weights').sort()) {
    const size = statSync(join('www/weights', name)).size;
    total += size;
    rows.push(`| \`www/weights/${name}\` | ${kB(size)} | |`);
  }
  rows.push(`| the weights together | ${MB(total)} | |`);
  return rows.join('\n');
};

const benchBlock = () => {
  const runs = existsSync('bench-results')
    ? readdirSync('bench-results').filter((n) => /^latent-lab-\d{8}T\d{6}Z\.jsonl$/.test(n)).sort()
    : [];
  if (!runs.length) return null;
  const latest = runs.at(-1);
  const stamp = latest.slice('latent-lab-'.length, -'.jsonl'.length);
  const ours = join('bench-results', latest);
  const peer = join('bench-results', `tfjs-${stamp}.jsonl`);
  const meta = readFileSync(ours, 'utf8').split('\n').filter((l) => l.startsWith('{"meta"'))
    .map((l) => JSON.parse(l).meta)[0] ?? {};
  let table;
  try {
    table = execFileSync('node', ['tests/bench-table.mjs', ours, ...(existsSync(peer) ? [peer] : [])], { encoding: 'utf8' });
  } catch (error) {
    table = error.stdout; // exit 3: a ratio fell; the table is still the run's
  }
  const date = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)} UTC`;
  const adapter = meta.adapter ? `${meta.adapter.vendor} ${meta.adapter.architecture}`.trim() : 'none';
  return [
    `Run of ${date} (\`bench-results/${latest}\`): ${meta.browser ?? 'browser unknown'}, `
      + `${meta.hardwareConcurrency ?? '?'} cores, WebGPU adapter ${adapter}, burn ${meta.burn ?? '?'}.`,
    '',
    table.trim(),
  ].join('\n');
};

// `--check-sizes` (scripts/lab test, after the build): fails when the sizes block differs from
// what the build just wrote, so a size in the document cannot drift from the build.
const [figuresFile] = process.argv.slice(2);
if (figuresFile === '--check-sizes') {
  const shown = /<!-- generated: sizes \(scripts\/lab figures\) -->\n([\s\S]*?)\n<!-- end: sizes -->/
    .exec(readFileSync(DOCUMENT, 'utf8'))?.[1];
  const built = sizesBlock();
  if (shown === built) {
    console.log(`${DOCUMENT}: the sizes match the build`);
    process.exit(0);
  }
  const lines = new Set((shown ?? '').split('\n'));
  const differing = built.split('\n').filter((line) => !lines.has(line));
  console.error(`${DOCUMENT} shows other sizes than the build wrote (run scripts/lab figures):\n${differing.join('\n')}`);
  process.exit(1);
}
if (!figuresFile) throw new Error('usage: node scripts/figures.mjs FIGURES.jsonl | --check-sizes');
let text = readFileSync(DOCUMENT, 'utf8');
text = replaceBlock(text, 'quality', qualityBlock(figuresFile));
text = replaceBlock(text, 'sizes', sizesBlock());
const bench = benchBlock();
if (bench) text = replaceBlock(text, 'bench', bench);
writeFileSync(DOCUMENT, text);
console.log(`${DOCUMENT} written${bench ? '' : ' (no bench run in bench-results/: its block kept)'}`);
