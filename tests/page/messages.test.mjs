// The worker's message handling: any request, any arguments: an error or a result, never a trap.
// Opens a demo, then sends its worker (through the page's handle, window.latentLab.worker) many
// seeded random requests: unknown requests, unknown sessions, unknown methods and the glue's own
// (`free`, `__destroy_into_raw`), and every method of every session of the demo (read from the
// wasm glue, pkg/latent_lab.js, with its JSDoc parameter types) with arguments of the right type
// at their edges (0, −1, 2³², NaN, ∞, empty and large arrays, …), of the wrong type (strings,
// null, objects, array-likes claiming 3·10⁹ elements), and too few or too many. Every reply must
// be a result or an error, the worker must never send `fatal` or restart, and afterwards the
// page still works: a drawing is rebuilt (each demo: what a person does first there). Every demo of
// the playground is covered. SEED=… replays another sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serveAndLaunch, openPage, openDemo, servedRoot, artefacts, drawOne, settle, ink, strokeOn, draws, drawn, total, frame, canvasInk } from './browser.mjs';

const env = serveAndLaunch();
const SEED = Number(process.env.SEED ?? 12);
const REQUESTS = Number(process.env.REQUESTS ?? 400);

// Each class of the wasm glue and its methods with their parameters' JSDoc types.
function glueMethods() {
  const source = readFileSync(`${servedRoot}/pkg/latent_lab.js`, 'utf8');
  const classes = {};
  for (const block of source.split(/^export class /m).slice(1)) {
    const name = block.match(/^(\w+)/)[1];
    const methods = {};
    let doc = '';
    for (const line of block.split('\n')) {
      if (/^\s*\/\*\*/.test(line)) doc = '';
      doc += `${line}\n`;
      const [, method, params] = line.match(/^ {4}(\w+)\(([^)]*)\) \{$/) ?? [];
      if (!method) continue;
      if (method !== 'constructor' && method !== 'free' && !method.startsWith('__')) {
        const types = Object.fromEntries([...doc.matchAll(/@param \{([^}]+)\} (\w+)/g)].map(([, type, param]) => [param, type]));
        methods[method] = params.split(',').map((p) => p.trim()).filter(Boolean).map((param) => ({ param, type: types[param] ?? 'any' }));
      }
      doc = '';
    }
    classes[name] = methods;
  }
  return classes;
}

// mulberry32: a small seeded generator, so a failing sequence can be replayed.
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  return { next, int, pick };
}

const NUMBERS = [0, 1, -1, 2, 3, 9, 10, 16, 28, 100, 255, 256, 784, 1000, 9999, 10000, 65535, 65536, 2 ** 31 - 1, 2 ** 31,
  2 ** 32 - 1, 2 ** 32, 2 ** 53, -(2 ** 31), 1e308, -1e308, NaN, Infinity, -Infinity, 0.5, -0.5, 1e-30, -0];

function values(random, strings) {
  const number = () => (random.next() < 0.7 ? random.pick(NUMBERS) : random.pick([random.int(100), random.next() * 10 - 5, random.int(2 ** 32)]));
  const string = () => random.pick([...strings, '', 'x'.repeat(100_000), '\u0000', 'é€😀', '<script>', 'constructor', '__proto__']);
  const bytes = () => {
    const length = random.pick([0, 1, 3, 4, 16, 784 * 4, 4 * random.int(2000), 100_000]);
    const array = new Uint8Array(length);
    for (let i = 0; i < length; i += 1) array[i] = random.next() < 0.3 ? random.int(256) : 0;
    return array;
  };
  const floats = () => Float32Array.from({ length: random.pick([0, 1, 2, 10, 32, 784]) }, () => random.pick([0, 1, -1, NaN, Infinity, random.next()]));
  const wrong = () => random.pick([
    () => null, () => undefined, () => ({}), () => [], () => ({ length: 3e9 }), () => ({ length: -1 }), () => ({ length: 'many' }),
    () => Array.from({ length: 1000 }, () => random.int(256)), () => ({ a: { b: [1, 2, 3] } }), () => [[1], [2]],
    () => true, () => false, number, string, bytes, floats, () => 10n ** 30n,
  ])();
  return { number, string, bytes, floats, wrong };
}

// An argument for a parameter of JSDoc type `type`: mostly that type at its edges, sometimes another.
function argument(type, gen, random) {
  if (random.next() < 0.2) return gen.wrong();
  if (type === 'number') return gen.number();
  if (type === 'string') return gen.string();
  if (type === 'boolean') return random.next() < 0.5;
  if (type === 'Uint8Array') return gen.bytes();
  if (type === 'Float32Array') return gen.floats();
  if (type === 'bigint') return BigInt(random.int(2 ** 31)) * random.pick([1n, -1n, 2n ** 40n]);
  return gen.wrong(); // any, objects: anything
}

// One random request: [kind, send(worker) → promise]. The worker client's own calls.
function request(random, gen, sessions, classes) {
  const sessionNames = Object.keys(sessions);
  const r = random.next();
  if (r < 0.04) {
    const method = random.pick(['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'init', '', 'then']);
    return [`request ${method}`, (w) => w.request(method, random.pick([{}, null, 7, 'x', [], { backend: 'cpu' }, { demo: {} }]))];
  }
  if (r < 0.08) {
    const session = random.pick(['nope', '__proto__', 'constructor', 'toString', '', ...sessionNames]);
    return [`call ${session}.x`, (w) => w.call(session, random.pick(['x', 'free', '__destroy_into_raw', 'constructor', 'toString', '__wbg_ptr', 'hasOwnProperty']), [])];
  }
  if (r < 0.1) {
    const session = random.pick(sessionNames);
    return ['call with bad args', (w) => w.request('call', { session, method: random.pick(Object.keys(classes[sessions[session]])), args: gen.wrong() })];
  }
  if (r < 0.13) {
    const session = random.pick([...sessionNames, 'nope']);
    const methods = Object.keys(classes[sessions[session]] ?? {});
    return [`load into ${session}`, (w) => w.load({
      session, method: random.pick([...methods, 'free', 'nope']), args: random.pick([[], ['ae'], ['test'], gen.wrong()]),
      path: random.pick(['weights/ae.bpk', 'data/mnist_test.bin.gz', 'nope.bin', '../index.html', 'http://example.com/x', '', 7]),
      label: 'x',
    })];
  }
  if (r < 0.15) {
    const session = random.pick([...sessionNames, 'nope']);
    const methods = Object.keys(classes[sessions[session]] ?? {});
    const method = random.pick([...methods, 'free', 'nope']);
    return [`loop ${session}.${method}`, async (w) => {
      try { return await w.loop(session, method, []); } finally { await w.stop(session); }
    }];
  }
  if (r < 0.16) return ['bench', (w) => w.request('bench', { workload: gen.string(), runs: gen.number(), warmup: gen.number() })];
  // Most requests: a method of a session, arguments by its parameter types.
  const session = random.pick(sessionNames);
  const methods = classes[sessions[session]];
  const method = random.pick(Object.keys(methods));
  const params = methods[method];
  let args = params.map(({ type }) => argument(type, gen, random));
  // A drawing whose bytes fit its (small) sizes, so the conversion is reached, not only its check.
  const rgba = params.findIndex(({ param }) => param === 'rgba');
  if (rgba >= 0 && params[rgba + 2]?.param === 'height' && random.next() < 0.4) {
    const [width, height] = [1 + random.int(300), 1 + random.int(300)];
    args[rgba] = Uint8Array.from({ length: width * height * 4 }, () => (random.next() < 0.1 ? 255 : 0));
    [args[rgba + 1], args[rgba + 2]] = [width, height];
  }
  if (random.next() < 0.1) args = args.slice(0, random.int(args.length + 1));
  else if (random.next() < 0.05) args.push(gen.wrong(), gen.wrong());
  return [`${session}.${method}`, (w) => w.call(session, method, args), args];
}

// Requests at known edges, sent before the random ones to every session of a type that has the
// method: sizes whose product wraps in 32 bits (the wasm's usize), a first index of 2³² − 1, an
// MNST file of no digits (its methods take indices modulo the count).
function edges(sessions, classes) {
  const emptyMnst = () => Uint8Array.from([77, 78, 83, 84, 0, 0, 0, 0, 28, 0, 0, 0, 28, 0, 0, 0]);
  const cases = {
    run_drawing: [[() => new Uint8Array(0), 65536, 65536, 'none', 0, 0], [() => new Uint8Array(0), 0, 4294967295, 'none', 0, 0]],
    query_drawing: [[() => new Uint8Array(0), 65536, 65536, 0.1], [() => new Uint8Array(0), 2 ** 31, 2, 0.1]],
    test_strip: [[-1, 1], [4294967295, 16], [2 ** 31, 16]],
    query_test_digit: [[-1, 0.1], [4294967295, NaN]],
    load_data: [['test', emptyMnst, 'empty.bin'], ['train', emptyMnst, 'empty.bin']],
    run_start: [[-1, 0], [2 ** 32, 0]],
  };
  const out = [];
  for (const [session, type] of Object.entries(sessions)) {
    for (const [method, list] of Object.entries(cases)) {
      if (!classes[type][method]) continue;
      for (const template of list) {
        const args = template.map((a) => (typeof a === 'function' ? a() : a));
        out.push([`edge ${session}.${method}`, (w) => w.call(session, method, args), args]);
      }
    }
  }
  return out;
}

// Sends `count` random requests to the page's worker, one at a time; returns what came back.
async function bombard(page, demo, count, seed) {
  const classes = glueMethods();
  const sessions = await page.evaluate(() => window.latentLab.worker.demo.sessions);
  for (const type of Object.values(sessions)) assert.ok(classes[type], `the glue has ${type}`);
  // The generator runs in the page (functions and typed arrays cannot cross): it is sent as
  // source in the expression evaluated there (over DevTools, so the page's policy is unchanged).
  const input = {
    classes, sessions, count, seed,
    strings: [...new Set([...readFileSync(`${servedRoot}/www/demos/${demo}.js`, 'utf8').matchAll(/'([\w-]{1,20})'/g)].map((m) => m[1]))],
  };
  const source = [generator, values, argument, request, edges, shown, inPage].map(String).join('\n');
  return page.evaluate(`(() => { const NUMBERS = ${JSON.stringify(NUMBERS.map(String))}.map(Number); ${source}; return inPage(${JSON.stringify(input)}); })()`);
}

// An argument, briefly, for the log.
function shown(arg) {
  if (typeof arg === 'string') return arg.length > 20 ? `'${arg.slice(0, 8)}…' (${arg.length})` : `'${arg}'`;
  if (typeof arg === 'bigint') return `${arg}n`;
  if (ArrayBuffer.isView(arg)) return `${arg.constructor.name}(${arg.length})`;
  if (Array.isArray(arg)) return `Array(${arg.length})`;
  if (arg && typeof arg === 'object') return JSON.stringify(arg).slice(0, 40);
  return String(arg);
}

// In the page: sends the requests one at a time and tallies the replies.
async function inPage({ classes, sessions, count, seed, strings }) {
  const random = generator(seed);
  const gen = values(random, strings);
  const worker = window.latentLab.worker;
  const restarts = worker.restarts;
  const fatal = [];
  const original = worker.fail.bind(worker);
  worker.fail = (reason) => { fatal.push(reason); return original(reason); };
  const tally = { results: 0, errors: 0, timeouts: 0 };
  const errorsSeen = {};
  const log = [];
  const known = edges(sessions, classes);
  for (let i = 0; i < known.length + count; i += 1) {
    const [kind, send, args] = i < known.length ? known[i] : request(random, gen, sessions, classes);
    let outcome;
    try {
      await Promise.race([send(worker), new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('no reply in 60 s'), { timeout: true })), 60_000))]);
      outcome = 'result';
      tally.results += 1;
    } catch (error) {
      if (error.timeout) tally.timeouts += 1; else tally.errors += 1;
      outcome = `error: ${String(error.message).slice(0, 160)}`;
      const key = `${kind}: ${String(error.message).replace(/\d+/g, 'N').slice(0, 100)}`;
      errorsSeen[key] = (errorsSeen[key] ?? 0) + 1;
    }
    log.push(`#${i} ${kind.startsWith('edge') ? ` ${kind}` : kind}${args ? `(${args.map(shown).join(', ')})` : ''} → ${outcome}`);
    if (fatal.length) break;
  }
  for (const session of Object.keys(sessions)) await worker.stop(session);
  worker.fail = original;
  return { tally, fatal, restarts: worker.restarts - restarts, errorsSeen, log };
}

function judge(name, outcome) {
  const { tally, fatal, restarts, errorsSeen, log } = outcome;
  console.log(log.filter((line) => line.includes(' edge ')).join('\n'));
  console.log(`${name}: ${tally.results} results, ${tally.errors} errors, ${tally.timeouts} without a reply; fatal ${fatal.length}, restarts ${restarts}`);
  const common = Object.entries(errorsSeen).sort((a, b) => b[1] - a[1]).slice(0, 12);
  for (const [key, n] of common) console.log(`  ${n}× ${key}`);
  assert.deepEqual(fatal, [], `no fatal event (last requests:\n${log.slice(-5).join('\n')})`);
  assert.equal(restarts, 0, 'the worker was never restarted');
  assert.equal(tally.timeouts, 0, 'every request was answered');
  assert.ok(tally.results > 0 && tally.errors > 0, 'both results and errors came back');
}

test('the auto-encoder page: random requests get results or errors, then a drawing is still rebuilt', async () => {
  const page = await openPage(env.browser, `${env.server.url}?demo=autoencoder&backend=cpu`);
  judge('autoencoder', await bombard(page, 'autoencoder', REQUESTS, SEED));
  await page.getByTestId('noise-kind').selectOption('none');
  await page.getByTestId('clear').click();
  await drawOne(page);
  await settle(page);
  const rebuilt = await ink(page, 'recon-canvas');
  await page.screenshot({ path: `${artefacts}/messages-autoencoder.png` });
  assert.ok(total(rebuilt) > 10, `the drawn 1 is rebuilt with ink (${total(rebuilt).toFixed(1)})`);
  await page.close();
});

// Draws a vertical 1 on `pad` (coordinates on a `size` square) and waits for `output` to redraw:
// its first frame must hold ink.
async function drawOneOn(page, pad, output, size, points) {
  const before = await draws(page, output);
  await page.getByTestId(pad).scrollIntoViewIfNeeded(); // mouse positions are the viewport's
  await strokeOn(page, pad, points, size);
  await drawn(page, output, before);
  await settle(page);
  const shown = frame(await canvasInk(page, output), 0);
  assert.ok(total(shown) > 10, `the drawn 1 gives ink in ${output} (${total(shown).toFixed(1)})`);
}
const TALL_ONE = Array.from({ length: 19 }, (_, i) => [140, 45 + i * 10]);

test('the AE variants page: random requests get results or errors, then a drawing is still rebuilt', async () => {
  const page = await openDemo(env.browser, `${env.server.url}?demo=ae-variants&backend=cpu`, 'ae-variants');
  judge('ae-variants', await bombard(page, 'ae-variants', REQUESTS, SEED + 1));
  await page.getByTestId('variants-clear').click();
  await drawOneOn(page, 'draw-canvas', 'deconv-canvas', 280, TALL_ONE);
  await page.screenshot({ path: `${artefacts}/messages-ae-variants.png`, fullPage: true });
  await page.close();
});

// The other demos: the same bombardment, then a person's first action on the page still works.
const STILL_WORKS = {
  gan: async (page) => {
    const before = Number(await page.getByTestId('gan-iterations').textContent());
    await page.getByTestId('gan-step').click();
    // More than before, not exactly one more: the random requests may have run iterations
    // (train_chunk) straight on the worker, which the page's count has not shown yet.
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=gan-iterations]').textContent) > n, before, { timeout: 60_000 });
    return 'one more iteration';
  },
  vae: async (page) => {
    await drawOneOn(page, 'vae-draw-a', 'vae-decoded-canvas', 140, Array.from({ length: 15 }, (_, i) => [70, 25 + i * 6]));
    return 'a drawn 1 decoded';
  },
  pixelrnn: async (page) => {
    await page.getByTestId('pixel-speed').fill('10');
    await page.getByTestId('pixel-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=pixel-progress]').textContent === '784 / 784', null, { timeout: 120_000 });
    return 'a digit painted, 784 pixels';
  },
  'ae-lab': async (page) => {
    await page.getByTestId('lab-clear').click();
    await drawOneOn(page, 'draw-canvas', 'deep-recon-canvas', 280, TALL_ONE);
    return 'a drawn 1 rebuilt';
  },
  text: async (page) => {
    const query = page.getByTestId('text-query');
    await query.fill('');
    await query.pressSequentially('the computer program has a bug', { delay: 10 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=text-results-code] li').length === 10
      && document.querySelectorAll('[data-testid=text-results-words] li').length === 10, null, { timeout: 60_000 });
    return 'a query answered, 10 + 10 documents';
  },
  compare: async (page) => {
    await page.getByTestId('compare-run').click({ timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'true'
      && Number(document.querySelector('[data-testid=compare-table]').dataset.rows) > 0, null, { timeout: 120_000 });
    return 'new samples compared, the table filled';
  },
};

for (const [offset, [demo, stillWorks]] of Object.entries(STILL_WORKS).entries()) {
  test(`the ${demo} page: random requests get results or errors, then the page still works`, async () => {
    const page = await openDemo(env.browser, `${env.server.url}?demo=${demo}&backend=cpu`, demo);
    judge(demo, await bombard(page, demo, REQUESTS, SEED + 2 + Number(offset)));
    console.log(`${demo} afterwards: ${await stillWorks(page)}`);
    await page.screenshot({ path: `${artefacts}/messages-${demo}.png`, fullPage: true });
    await page.close();
  });
}
