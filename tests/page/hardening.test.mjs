// Hardening, in the page: the Content-Security-Policy holds on every demo (no violation in the
// page or its workers, no request to another origin), axe-core finds no serious or critical
// accessibility problem on any demo, and every control is reachable by keyboard with a visible
// focus. The demos are read from www/main.js's `demos` table, so a new demo is covered too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serveAndLaunch, openDemo, root, settle, recordLoopReports } from './browser.mjs';
import { CSP_DIRECTIVES, CONTENT_SECURITY_POLICY } from '../../scripts/server.mjs';

const env = serveAndLaunch();

// The keys of `const demos = { autoencoder, 'ae-lab': aeLab, … }` in www/main.js, and which of
// them run the CPU backend on the threaded build (`threads: true` in the demo's module).
const mainJs = readFileSync(`${root}/www/main.js`, 'utf8');
const modules = Object.fromEntries([...mainJs.matchAll(/import \* as (\w+) from '\.\/(demos\/[\w-]+\.js)'/g)].map((m) => [m[1], m[2]]));
const demoModules = Object.fromEntries(mainJs.match(/const demos = \{([^}]*)\}/)[1].split(',').map((entry) => entry.trim())
  .filter(Boolean).map((entry) => {
    const [key, ident = key] = entry.split(':').map((part) => part.trim());
    return [key.replace(/^'|'$/g, ''), modules[ident]];
  }));
const demos = Object.keys(demoModules);
const threaded = demos.filter((demo) => /^\s*threads: true/m.test(readFileSync(`${root}/www/${demoModules[demo]}`, 'utf8')));

// A short interaction per demo after it is ready: a stroke on its drawing pad, if it has one,
// then its main button pressed, and what it started awaited: a loop's LOOP_REPORTS reports before
// the button pauses it again, a painting's first pixels before Stop, else the answers
// (settle). A demo not named here gets the stroke and its first enabled button.
const mainButton = {
  autoencoder: { testid: 'ae-train', toggle: true },
  'ae-lab': { testid: 'lab-random-digit' },
  'ae-variants': { testid: 'variants-random-digit' },
  vae: { testid: 'vae-train', toggle: true },
  gan: { testid: 'gan-play', toggle: true },
  pixelrnn: { testid: 'pixel-start', stop: 'pixel-stop' },
  compare: { testid: 'compare-run' },
  // The poetry section loads its model as it comes into view (www/demos/text.js).
  text: { testid: 'poetry-go', reveal: '#poetry' },
};
const LOOP_REPORTS = 3;

async function interact(page, demo) {
  await recordLoopReports(page);
  const section = page.locator(`[data-demo="${demo}"]`);
  const pad = section.locator('canvas[aria-label^="Drawing pad"]').first();
  if (await pad.count()) {
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    const at = (u, v) => [box.x + u * box.width, box.y + v * box.height];
    await page.mouse.move(...at(0.5, 0.15));
    await page.mouse.down();
    for (let i = 1; i <= 10; i += 1) await page.mouse.move(...at(0.5, 0.15 + i * 0.07), { steps: 2 });
    await page.mouse.up();
  }
  const known = mainButton[demo];
  if (known?.reveal) await page.locator(known.reveal).scrollIntoViewIfNeeded();
  const button = known ? section.getByTestId(known.testid) : section.locator('button:enabled').first();
  await button.click({ timeout: 120_000 });
  if (known?.toggle) {
    await page.waitForFunction((n) => Object.values(window.__loopReportTimes).flat().length >= n, LOOP_REPORTS, { timeout: 120_000 });
    await button.click();
  }
  if (known?.stop) {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=pixel-canvas]').dataset.painted) > 0, null, { timeout: 120_000 });
    await section.getByTestId(known.stop).click();
  }
  await settle(page);
}

// A violation made on purpose after the interaction, in the page (an image from another origin)
// and in the model worker (a fetch from another origin): each must be seen by the listener there
// and reported to the server, which shows that the listeners and the report route work; once the
// server has both reports, those of earlier violations have arrived too. Their host marks them,
// and the counts below leave them out.
const CANARY = 'csp-canary.invalid';
const canary = (text) => String(text).includes(CANARY);
async function canaries(page, { workerSaw, reports }) {
  const blocked = await page.evaluate((host) => new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve('loaded');
    image.onerror = () => resolve('blocked');
    image.src = `https://${host}/canary.png`;
  }), `page.${CANARY}`);
  assert.equal(blocked, 'blocked', 'the page\'s canary image was blocked');
  const modelWorker = page.workers().find((w) => w.url().endsWith('/www/worker.js'));
  assert.ok(modelWorker, 'the model worker is running');
  const fetched = await modelWorker.evaluate((host) => fetch(`https://${host}/canary`).then(() => 'fetched', (error) => error.name), `worker.${CANARY}`);
  assert.equal(fetched, 'TypeError', 'the model worker\'s canary fetch was blocked');
  const seen = {
    'the page\'s listener saw its canary': () => page.evaluate((host) => window.__cspViolations.some((v) => v.blocked.includes(host)), `page.${CANARY}`),
    'the model worker\'s listener saw its canary': () => workerSaw(`worker.${CANARY}`),
    'the server got the page\'s canary report': () => reports().some((r) => String(r['blocked-uri'] ?? JSON.stringify(r)).includes(`page.${CANARY}`)),
    'the server got the worker\'s canary report': () => reports().some((r) => String(r['blocked-uri'] ?? JSON.stringify(r)).includes(`worker.${CANARY}`)),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const missing = [];
    for (const [what, check] of Object.entries(seen)) if (!(await check())) missing.push(what);
    if (!missing.length) return;
    if (Date.now() > deadline) assert.fail(`after 30 s, not yet: ${missing.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the next look
  }
}

test('the server sends the policy as a header, index.html carries it as a <meta>, and both are strict', async () => {
  const response = await fetch(env.server.url);
  assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  const worker = await fetch(`${env.server.url}www/worker.js`);
  assert.equal(worker.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, 'the worker script carries it too');
  const html = await response.text();
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  assert.ok(meta, 'index.html has a CSP <meta>');
  assert.equal(meta[1], CSP_DIRECTIVES.join('; '), 'the <meta> is the header less frame-ancestors and report-uri');
  assert.ok(html.indexOf(meta[0]) < html.search(/<script|<link/), 'the <meta> comes before any script or stylesheet');
  for (const policy of [CONTENT_SECURITY_POLICY, meta[1]]) {
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*|https?:/);
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  }
  // No inline script or style for the policy to block.
  assert.doesNotMatch(html, /<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=/i);
});

for (const demo of demos) {
  test(`${demo}: no Content-Security-Policy violation and no request to another origin`, async () => {
    const context = await env.browser.newContext(); // strict: the page's own policy applies
    const origin = new URL(env.server.url).origin;
    const requests = [];
    const workers = [];
    const reportsBefore = env.server.cspReports.length;
    context.on('request', (request) => requests.push(request.url()));
    // securitypolicyviolation fires in the global where the violation happened: the page (an
    // init script, which CSP does not govern, listens there) and each worker (a listener put in
    // through the debugger as the worker attaches; it writes to the console, since the rayon
    // workers block in wasm and cannot be asked afterwards). The header also has a report-uri,
    // so the server collects reports from every global whatever the timing.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      window.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
        { directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber }));
    });
    const workerViolations = [];
    const listening = []; // each worker's listener, put in as it attaches: {url, state: pending | listening | failed, error}
    context.on('page', (page) => page.on('worker', (worker) => {
      workers.push(worker);
      worker.on('console', (message) => {
        if (message.text().startsWith('securitypolicyviolation ')) workerViolations.push(`${worker.url()}: ${message.text()}`);
      });
      const entry = { url: worker.url(), state: 'pending' };
      listening.push(entry);
      worker.evaluate(() => self.addEventListener('securitypolicyviolation', (e) => console.error(
        `securitypolicyviolation ${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)))
        .then(() => { entry.state = 'listening'; }, (error) => Object.assign(entry, { state: 'failed', error: error.message }));
    }));
    const errors = [];
    try {
      // A violation can stall a demo (a blocked worker never answers): report it before the stall.
      let page = null;
      let failure = null;
      try {
        page = await openDemo(context, `${env.server.url}?demo=${demo}&backend=cpu`, demo, { errors });
        await interact(page, demo);
        await canaries(page, {
          workerSaw: (host) => workerViolations.some((v) => v.includes(host)),
          reports: () => env.server.cspReports.slice(reportsBefore),
        });
      } catch (error) {
        failure = error;
      }
      const shown = page ?? context.pages()[0];
      if (!shown) throw failure ?? new Error('no page was opened');
      const inPage = await shown.evaluate(() => window.__cspViolations);
      assert.ok(Array.isArray(inPage), 'the page\'s list of violations was read');
      const violations = [...inPage.filter((v) => !canary(v.blocked)), ...workerViolations.filter((v) => !canary(v))];
      const reports = env.server.cspReports.slice(reportsBefore).filter((r) => !canary(r['blocked-uri'] ?? r));
      const foreign = requests.filter((url) => !url.startsWith('data:') && !canary(url) && new URL(url).origin !== origin);
      const workerUrls = workers.map((w) => w.url().replace(origin, '').replace(/blob:.*/, 'blob:'));
      console.log(`${demo}: ${requests.length} requests (${foreign.length} to another origin), `
        + `${workers.length} workers (${[...new Set(workerUrls)].join(', ')}; listeners ${listening.map((l) => l.state).join(', ')}), `
        + `${violations.length} violations, ${reports.length} reports`);
      assert.deepEqual(violations, [], 'securitypolicyviolation events');
      assert.deepEqual(reports, [], 'violation reports sent to the server');
      assert.deepEqual(foreign, [], 'requests to another origin');
      assert.deepEqual(errors.filter((e) => /Content.Security.Policy|Refused to/i.test(e) && !canary(e)), [], 'CSP errors in the console');
      if (failure) throw failure;
      assert.deepEqual(listening.filter((l) => l.state !== 'listening'), [], 'every worker got its listener');
      if (threaded.includes(demo)) {
        assert.ok(workerUrls.includes('blob:'), 'the threaded build started its pool (blob: workers) under the policy');
      }
    } finally {
      await context.close();
    }
  });
}

// axe-core is injected as an inline script, which the policy blocks: this context alone bypasses it.
const axeSource = `${root}/node_modules/axe-core/axe.min.js`;
for (const demo of demos) {
  test(`${demo}: axe-core finds no serious or critical accessibility violation`, async () => {
    const context = await env.browser.newContext({ bypassCSP: true });
    try {
      const page = await openDemo(context, `${env.server.url}?demo=${demo}&backend=cpu`, demo);
      await settle(page);
      await page.addScriptTag({ path: axeSource });
      const { passed, review, violations } = await page.evaluate(async () => {
        const { violations: found, passes, incomplete } = await window.axe.run(document);
        return { passed: passes.length, review: incomplete.map((r) => `${r.id}(${r.nodes.length})`), violations: found.map(({ id, impact, help, nodes }) => ({
          id, impact, help, nodes: nodes.length, targets: nodes.slice(0, 5).map((n) => n.target.join(' ')),
        })) };
      });
      const counts = {};
      for (const v of violations) counts[v.impact] = (counts[v.impact] ?? 0) + v.nodes;
      console.log(`axe ${demo}: ${passed} rules passed; violations (elements) by impact ${JSON.stringify(counts)} ${violations.map((v) => `${v.id}(${v.impact}, ${v.nodes})`).join(' ')}; to review by hand: ${review.join(' ') || 'none'}`);
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad, [], 'serious or critical axe violations');
    } finally {
      await context.close();
    }
  });
}

// Tab through the page: every enabled, visible control of the header and the demo gets the focus,
// and the focused control shows it (an outline).
for (const demo of demos) {
  test(`${demo}: every control is reachable with Tab and shows a visible focus`, async () => {
    const context = await env.browser.newContext();
    try {
      const page = await openDemo(context, `${env.server.url}?demo=${demo}&backend=cpu`, demo);
      await settle(page);
      const controls = await page.evaluate((name) => {
        const selector = 'a[href], button:enabled, select:enabled, input:enabled, [tabindex]:not([tabindex="-1"])';
        const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
        const scope = [...document.querySelectorAll(`header, footer, [data-demo="${name}"]`)];
        const all = scope.flatMap((root) => [...root.querySelectorAll(selector)]).filter(visible);
        all.forEach((el, i) => { el.dataset.focusProbe = String(i); });
        return all.length;
      }, demo);
      const reached = new Set();
      const unseen = [];
      // Radio groups take one Tab stop; the count bounds the walk.
      for (let i = 0; i < controls * 2 + 40 && reached.size < controls; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el?.dataset?.focusProbe) return null;
          const style = getComputedStyle(el);
          const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
          return { probe: el.dataset.focusProbe, shown, what: `${el.tagName.toLowerCase()}#${el.id || el.dataset.testid || ''}` };
        });
        if (!focused) continue;
        if (!focused.shown) unseen.push(focused.what);
        reached.add(focused.probe);
      }
      const missed = await page.evaluate((seen) => [...document.querySelectorAll('[data-focus-probe]')]
        .filter((el) => !seen.includes(el.dataset.focusProbe)
          && !(el.type === 'radio' && [...document.querySelectorAll(`input[name="${el.name}"]`)].some((r) => seen.includes(r.dataset.focusProbe))))
        .map((el) => `${el.tagName.toLowerCase()}#${el.id || el.dataset.testid || el.textContent.trim().slice(0, 20)}`), [...reached]);
      console.log(`keyboard ${demo}: ${reached.size} of ${controls} controls reached by Tab, ${unseen.length} without a visible focus`);
      assert.deepEqual(missed, [], 'controls not reached by Tab');
      assert.deepEqual([...new Set(unseen)], [], 'controls without a visible focus');
    } finally {
      await context.close();
    }
  });
}
