// In-page painting speed of the PixelRNN demo: at the fastest speed setting, paints `paintings`
// digits with seeds 1, 2, … and prints the page's own "painted in" time of each, one JSON line
// per build: one thread (`?threads=one`, pkg-cpu/) and the pool (`?threads=pool`, pkg-threads/),
// alternated in each round, on a cross-origin-isolated page, CPU backend.
//   node tests/paint-rate.mjs [paintings=3] [rounds=1]
import { startServer, launchChromium, openDemo } from './page/browser.mjs';

const paintings = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 1);
const server = await startServer();
const browser = await launchChromium({ webgpu: false });
try {
  for (let round = 0; round < rounds; round++) {
    for (const threads of ['one', 'pool']) {
      const page = await openDemo(browser, `${server.url}?demo=pixelrnn&backend=cpu&threads=${threads}`, 'pixelrnn');
      await page.getByTestId('pixel-speed').fill('10');
      const seconds = [];
      for (let seed = 1; seed <= paintings; seed++) {
        await page.getByTestId('pixel-seed').fill(String(seed));
        await page.getByTestId('pixel-start').click();
        await page.waitForFunction(() => /\d/.test(document.querySelector('#pixel-rate').textContent)
          && document.querySelector('[data-testid=pixel-progress]').textContent.startsWith('784'), null, { timeout: 60_000 });
        seconds.push(Number((await page.locator('#pixel-rate').textContent()).match(/[\d.]+/)[0]));
      }
      const badge = await page.getByTestId('backend').textContent();
      console.log(JSON.stringify({ demo: 'pixelrnn', threads, badge, seconds }));
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
