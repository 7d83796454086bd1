// The static server of `scripts/lab serve`, the page tests and the benchmarks: the repository (or
// another folder: `root`, e.g. a deploy folder) on loopback, gzip'd files where a .gz sits beside them, no caching. By default it makes the page
// cross-origin isolated (COOP + COEP), which is what lets the CPU backend run on several threads
// (SharedArrayBuffer); `isolated: false` serves the page as a plain host would, single-threaded.
// Every response carries the Content-Security-Policy below (index.html repeats it in a <meta> for
// static hosts that send no headers); the browser reports violations to /__csp-report, which
// the server logs and keeps in `cspReports` (the page tests assert there are none).
//   node scripts/server.mjs [port]
import { createServer } from 'http-server';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// What the page and its workers may load, and why each directive:
//   default-src 'self'        anything not named below: this origin only
//   script-src 'self' 'wasm-unsafe-eval'
//                             the page's modules, the workers' imports and wasm-bindgen's glue come
//                             from here; 'wasm-unsafe-eval' lets WebAssembly compile (no JS eval)
//   worker-src 'self' blob:   the model worker (www/worker.js) is 'self'; wasm-bindgen-rayon starts
//                             its thread pool from a blob: URL of its own helper script (fetched
//                             from this origin, so the pool works across origins too)
//   style-src 'self'          uPlot's stylesheet and www/style.css; styles set from JS go through
//                             the CSSOM (element.style), which CSP does not govern; no inline styles
//   img-src 'self' data:      the page's icon is `data:,` (an empty icon, so no /favicon.ico request)
//   connect-src 'self'        weights, data and the wasm are fetched from here
//   object-src 'none', base-uri 'self', form-action 'self'
//                             no plugins; no <base> or form can point elsewhere (these two do not
//                             fall back to default-src)
//   frame-ancestors 'none'    no other site may frame the page (header only: ignored in <meta>)
// The page needs nothing else: no inline script or style, no eval, no other origin.
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];
// The header adds what a <meta> cannot carry: frame-ancestors and the report endpoint.
export const CONTENT_SECURITY_POLICY = [...CSP_DIRECTIVES, "frame-ancestors 'none'", 'report-uri /__csp-report'].join('; ');

export async function startServer({ port = 0, isolated = true, onCspReport = null, root: folder = root } = {}) {
  const cspReports = [];
  const collectReports = (req, res) => {
    if (req.method !== 'POST' || !req.url.startsWith('/__csp-report')) return res.emit('next');
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let report = Buffer.concat(chunks).toString('utf8');
      try { report = JSON.parse(report)['csp-report'] ?? JSON.parse(report); } catch { /* kept as text */ }
      cspReports.push(report);
      onCspReport?.(report);
      res.writeHead(204);
      res.end();
    });
    req.buffer = false; // union holds the body back until asked
  };
  const server = createServer({
    root: folder, cache: -1, showDir: false, gzip: true, logFn: () => {},
    before: [collectReports],
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...(isolated ? ISOLATION_HEADERS : {}) },
  });
  await new Promise((resolve) => server.server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.server.address();
  return { url: `http://127.0.0.1:${bound}/`, cspReports, close: () => server.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({
    port: Number(process.argv[2] ?? 8080),
    onCspReport: (report) => console.error('Content-Security-Policy violation:', JSON.stringify(report)),
  });
  console.log(`latent-lab on ${url} (cross-origin isolated: threads on)`);
}
