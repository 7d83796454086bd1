// Time to digits in the real page: opens ?demo=gan on the CPU backend, presses play on a fresh
// GAN with the default settings and waits until the page's own reading of the grid meets the
// DIGITS bar (most samples read with ≥ 90 % confidence, ≥ 8 digits), or the time is up. Prints
// one JSON line per run: the build (threads or one thread), iterations/s, when digits appeared,
// and how many iterations two minutes of play reach (src/models/gan.rs: LIVE_ITERATIONS).
//   node tests/gan-time-to-digits.mjs [seconds=120] [seeds=0]
import { startServer, launchChromium, openDemo } from './page/browser.mjs';

const seconds = Number(process.argv[2] ?? 120);
const seeds = (process.argv[3] ?? '0').split(',').map(Number);
const isolated = await startServer();
const plain = await startServer({ isolated: false });
const browser = await launchChromium({ webgpu: false });
try {
  for (const [build, server] of [['threads', isolated], ['one thread', plain]]) {
    for (const seed of seeds) {
      const page = await openDemo(browser, `${server.url}?demo=gan&backend=cpu&gan-seed=${seed}`, 'gan');
      const threads = Number(await page.getByTestId('backend').getAttribute('data-threads'));
      await page.getByTestId('gan-play').click();
      const started = Date.now();
      let digitsAt = null;
      while (Date.now() - started < seconds * 1000) {
        await page.waitForTimeout(1000);
        const text = await page.locator('#gan-digits-at').textContent();
        if (!digitsAt && text) digitsAt = { wall: (Date.now() - started) / 1000, text: text.replace(/^· /, '') };
      }
      const iterations = Number(await page.getByTestId('gan-iterations').textContent());
      const coverage = await page.getByTestId('gan-coverage').textContent();
      await page.getByTestId('gan-play').click();
      console.log(JSON.stringify({
        workload: 'gan-live-time-to-digits', build, threads, seed, seconds, iterations,
        iterationsPerSecond: +(iterations / seconds).toFixed(1), coverage, digitsAt,
      }));
      await page.close();
    }
  }
} finally {
  await browser.close();
  isolated.close();
  plain.close();
}
