// The static server of `scripts/lab serve`, the page tests and the benchmarks: the repository on
// loopback, gzip'd files where a .gz sits beside them, no caching. By default it makes the page
// cross-origin isolated (COOP + COEP), which is what lets the CPU backend run on several threads
// (SharedArrayBuffer); `isolated: false` serves the page as a plain host would, single-threaded.
//   node scripts/server.mjs [port]
import { createServer } from 'http-server';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export async function startServer({ port = 0, isolated = true } = {}) {
  const server = createServer({
    root, cache: -1, showDir: false, gzip: true, logFn: () => {},
    headers: isolated ? { ...ISOLATION_HEADERS } : {},
  });
  await new Promise((resolve) => server.server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.server.address();
  return { url: `http://127.0.0.1:${bound}/`, close: () => server.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({ port: Number(process.argv[2] ?? 8080) });
  console.log(`latent-lab on ${url} (cross-origin isolated: threads on)`);
}
