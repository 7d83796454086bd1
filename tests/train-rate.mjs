// In-page training speed: opens a demo on each backend, presses its train button and prints the
// steady rate, from the page's own step counter read after a warm-up and again `seconds` later,
// with the badge (backend, threads); one JSON line per run. On the CPU each demo runs both ways
// on a cross-origin-isolated page, whatever it picks by itself: one thread (`?threads=one`,
// pkg-cpu/) and the pool of every core (`?threads=pool`, pkg-threads/), alternated in each round.
//   node tests/train-rate.mjs DEMO BUTTON_TESTID COUNTER_TESTID [seconds=20] [backends=cpu,webgpu] [rounds=1]
// e.g. node tests/train-rate.mjs vae vae-train vae-train-steps
import { startServer, launchChromium, openDemo } from './page/browser.mjs';

const [demo, button, counter] = process.argv.slice(2, 5);
const seconds = Number(process.argv[5] ?? 20);
const backends = (process.argv[6] ?? 'cpu,webgpu').split(',');
const rounds = Number(process.argv[7] ?? 1);
const WARM_UP_MS = 5000;
const server = await startServer();
const browser = await launchChromium({ webgpu: backends.includes('webgpu') });
const count = async (page) => Number(await page.getByTestId(counter).textContent());
try {
  for (let round = 0; round < rounds; round++) {
    for (const backend of backends) {
      for (const threads of backend === 'cpu' ? ['one', 'pool'] : ['one']) {
        const page = await openDemo(browser, `${server.url}?demo=${demo}&backend=${backend}&threads=${threads}`, demo);
        await page.getByTestId(button).click();
        // These sleeps are the measurement: the counter is read at fixed times.
        await page.waitForTimeout(WARM_UP_MS);
        const [first, from] = [await count(page), Date.now()];
        await page.waitForTimeout(seconds * 1000);
        const [last, to] = [await count(page), Date.now()];
        await page.getByTestId(button).click();
        const badge = await page.getByTestId('backend').textContent();
        const perSecond = +((last - first) / ((to - from) / 1000)).toFixed(1);
        console.log(JSON.stringify({ demo, backend, threads, badge, seconds, perSecond }));
        await page.close();
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
