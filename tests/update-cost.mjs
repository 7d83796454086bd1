// What one update of the auto-encoder page costs while a digit is drawn: the worker's time for
// each stroke update (the badge's "last call", model + one readback + pictures) over three
// strokes of a 1, CPU backend. `LATENT_LAB_ROOT=DIR` measures another checkout's page (e.g. a
// worktree of an older commit, built with wasm-pack into its pkg/) for a side-by-side figure.
//   node --no-deprecation tests/update-cost.mjs
import { startServer, launchChromium, openPage, drawOne, settle } from './page/browser.mjs';
const server = await startServer();
const browser = await launchChromium();
try {
  const all = [];
  for (let run = 0; run < 3; run += 1) {
    const page = await openPage(browser, `${server.url}?backend=cpu`);
    await page.getByTestId('noise-kind').selectOption('none');
    await settle(page);
    await page.evaluate(() => {
      window.__calls = [];
      const badge = document.querySelector('[data-testid=backend]');
      new MutationObserver(() => { const m = badge.textContent.match(/last call ([\d.]+) ms/); if (m) window.__calls.push(Number(m[1])); })
        .observe(badge, { childList: true, subtree: true, characterData: true });
    });
    await drawOne(page);
    await settle(page);
    all.push(...await page.evaluate(() => window.__calls));
    await page.close();
  }
  all.sort((a, b) => a - b);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  console.log(`${process.env.LATENT_LAB_ROOT ?? 'this checkout'}: ${all.length} updates, mean ${mean.toFixed(2)} ms, median ${all[all.length >> 1].toFixed(2)}, max ${all.at(-1).toFixed(2)}`);
} finally { await browser.close(); server.close(); }
