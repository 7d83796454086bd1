// In-page training speed: opens a demo on each backend and build, presses its train button,
// lets it run and prints the page's own steps/s and its badge (backend, threads), one JSON line
// per run, on a cross-origin-isolated page and on a plain one (each demo picks its build).
//   node tests/train-rate.mjs DEMO BUTTON_TESTID RATE_SELECTOR [seconds=20] [backends=cpu,webgpu]
// e.g. node tests/train-rate.mjs vae vae-train '#vae-train-rate'
import { startServer, launchChromium, openDemo } from './page/browser.mjs';

const [demo, button, rateSelector] = process.argv.slice(2, 5);
const seconds = Number(process.argv[5] ?? 20);
const backends = (process.argv[6] ?? 'cpu,webgpu').split(',');
const isolated = await startServer();
const plain = await startServer({ isolated: false });
const browser = await launchChromium({ webgpu: backends.includes('webgpu') });
try {
  for (const backend of backends) {
    const pages = backend === 'cpu' ? [['cross-origin isolated', isolated], ['not isolated', plain]] : [['not isolated', plain]];
    for (const [served, server] of pages) {
      const page = await openDemo(browser, `${server.url}?demo=${demo}&backend=${backend}`, demo);
      await page.getByTestId(button).click();
      await page.waitForTimeout(seconds * 1000); // the run itself: the rate is measured over this time
      const rate = await page.locator(rateSelector).textContent();
      await page.getByTestId(button).click();
      const badge = await page.getByTestId('backend').textContent();
      console.log(JSON.stringify({ demo, backend, served, badge, seconds, rate }));
      await page.close();
    }
  }
} finally {
  await browser.close();
  isolated.close();
  plain.close();
}
