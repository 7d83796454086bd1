// WebKit (Safari's engine) for page tests: Debian's WebKitWebDriver, a W3C WebDriver server, driving
// WebKitGTK's MiniBrowser under a virtual display (xvfb-run; MiniBrowser has no headless mode here).
// A plain W3C WebDriver client over fetch: new session, navigate, run a script, pointer actions,
// screenshot — all these tests need, with no client library to pin.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

// The browser binary the driver starts (the Debian package installs it outside PATH).
export function miniBrowser() {
  const files = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).split('\n');
  const binary = files.find((file) => file.endsWith('/MiniBrowser'));
  if (!binary) throw new Error('MiniBrowser not found: install webkit2gtk-driver (scripts/lab test does)');
  return binary;
}

// WebKitGTK's version, as Debian packaged it (e.g. "2.50.6-1~deb12u2").
export const webkitVersion = () => execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' });

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

// Starts WebKitWebDriver under xvfb-run; returns {url, stop()}. The driver answers /status once up.
export async function startDriver() {
  const port = await freePort();
  // The POSIX locale, as on servers and in CI: WebKitGTK then reports navigator.language "C",
  // which once kept the page from starting (www/ui/locale.js); every run covers that case.
  const env = { ...process.env, LANG: 'C.UTF-8' };
  delete env.LC_ALL;
  delete env.LANGUAGE;
  // Its own process group, so stop() ends xvfb-run, Xvfb, the driver and its browsers together.
  const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1400x24', 'WebKitWebDriver', `--port=${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries += 1) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}): ${log}`);
    try {
      const response = await fetch(`${url}/status`);
      if ((await response.json()).value?.ready) break;
    } catch { /* not listening yet */ }
    if (tries > 150) throw new Error(`WebKitWebDriver did not start in 30 s: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop() {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    },
  };
}

async function command(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await response.json();
  if (!response.ok || reply.value?.error) {
    throw new Error(`WebDriver ${method} ${path}: ${reply.value?.error}: ${reply.value?.message}`);
  }
  return reply.value;
}

// One browser session: a MiniBrowser window `width`×`height`.
export async function newSession(driver, { width = 1200, height = 1300 } = {}) {
  const { sessionId, capabilities } = await command(driver.url, 'POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] } } },
  });
  const base = `${driver.url}/session/${sessionId}`;
  const call = (method, path, body) => command(base, method, path, body);
  await call('POST', '/window/rect', { width, height });
  return {
    capabilities,
    goto: (url) => call('POST', '/url', { url }),
    // Runs `fn` (a function, or its source) in the page with `args`; returns its (awaited) value.
    evaluate: (fn, ...args) => call('POST', '/execute/async', {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn}).apply(null, Array.from(arguments).slice(0, -1)))
          .then((value) => done({ value }), (error) => done({ thrown: String(error?.message ?? error) }));`,
      args,
    }).then((reply) => { if (reply?.thrown) throw new Error(reply.thrown); return reply?.value; }),
    // Polls `fn` in the page until it returns something truthy (or throws, which fails at once).
    async waitFor(fn, args = [], { timeout = 60_000, what = 'a condition' } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        const value = await this.evaluate(fn, ...args);
        if (value) return value;
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    element: (css) => call('POST', '/element', { using: 'css selector', value: css }).then((ref) => Object.values(ref)[0]),
    // Types `text` into the element `id` (from element()) as key presses.
    type: (id, text) => call('POST', `/element/${id}/value`, { text }),
    click: async (css) => {
      const id = await command(base, 'POST', '/element', { using: 'css selector', value: css }).then((ref) => Object.values(ref)[0]);
      return call('POST', `/element/${id}/click`, {});
    },
    // Pointer actions (W3C): `steps` is a list of {type: 'pointerMove'|'pointerDown'|'pointerUp'|'pause', ...}.
    actions: (steps, pointerType = 'mouse') => call('POST', '/actions', {
      actions: [{ type: 'pointer', id: 'pen', parameters: { pointerType }, actions: steps }],
    }).then(() => call('DELETE', '/actions')),
    screenshot: () => call('GET', '/screenshot').then((png) => Buffer.from(png, 'base64')),
    close: () => call('DELETE', ''),
  };
}
