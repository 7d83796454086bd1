// Page tests on phone-sized screens (Chromium's mobile emulation: a 360 and a 390 px wide
// viewport, touch, the meta viewport honoured): every demo fits the screen's width (no sideways
// scroll of the document; what is wider scrolls inside its own box), its navigation stays in
// view, its canvases scale to the width, no text is smaller than 12 px as shown, and the drawing
// pads draw under a finger (touch events, which the browser turns into pointer events of type
// "touch") where the finger went, without the page moving under it. (The pads map a pointer by
// their shown size, www/ui/drawpad.js; at 360 px the 280-pixel pads still show at their own size.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAndLaunch, artefacts, settle, total, middleShare, strokeOne, strokeZero } from './browser.mjs';

const env = serveAndLaunch();
const DEMOS = ['autoencoder', 'ae-lab', 'ae-variants', 'vae', 'gan', 'pixelrnn', 'text', 'compare'];
const WIDTHS = [360, 390];
const MIN_FONT_PX = 12;

// A phone of `width` CSS pixels showing `demo` on the CPU backend, once data-ready.
async function phone(demo, width, query = '') {
  const context = await env.browser.newContext({
    viewport: { width, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  await context.addInitScript(recordCanvasText);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.server.url}?demo=${demo}&backend=cpu${query}`);
  await page.waitForFunction((name) => document.querySelector(`[data-demo=${name}]`).dataset.ready === 'true', demo, { timeout: 180_000 });
  // The compare page fills its grids and table after data-ready: measure it filled.
  if (demo === 'compare') {
    await page.waitForFunction(() => document.querySelector('[data-demo=compare]').dataset.done === 'true', null, { timeout: 180_000 });
  }
  return { context, page, errors };
}

// Records the smallest label each canvas shows, in CSS pixels as shown: a fillText's font size
// times the canvas's shown width over its pixel width. Text painted into an OffscreenCanvas
// counts for the canvas it is then drawn onto whole (the scatter plots paint a layer).
function recordCanvasText() {
  const smallest = new Map(); // canvas → px
  const offscreen = new WeakMap(); // OffscreenCanvas → its smallest font px
  const fontPx = (context) => parseFloat(/(\d+(?:\.\d+)?)px/.exec(context.font)?.[1] ?? 'NaN');
  const note = (canvas, px) => {
    const shown = canvas.getBoundingClientRect().width;
    if (shown > 0) smallest.set(canvas, Math.min(smallest.get(canvas) ?? Infinity, (px * shown) / canvas.width));
  };
  const onscreen = CanvasRenderingContext2D.prototype;
  const { fillText, drawImage } = onscreen;
  onscreen.fillText = function (...args) { note(this.canvas, fontPx(this)); return fillText.apply(this, args); };
  onscreen.drawImage = function (image, ...rest) {
    if (offscreen.has(image) && image.width === this.canvas.width) note(this.canvas, offscreen.get(image));
    return drawImage.call(this, image, ...rest);
  };
  const layer = OffscreenCanvasRenderingContext2D.prototype;
  const layerFillText = layer.fillText;
  layer.fillText = function (...args) {
    offscreen.set(this.canvas, Math.min(offscreen.get(this.canvas) ?? Infinity, fontPx(this)));
    return layerFillText.apply(this, args);
  };
  window.__canvasText = () => Array.from(smallest, ([canvas, px]) => ({ canvas: canvas.id || canvas.dataset.testid || canvas.className, px }));
}

// What a phone shows wrong, measured in the page: the document wider than the screen, nav links
// out of view, canvases past the right edge, text under MIN_FONT_PX as shown (SVG text scaled by
// its diagram). Elements inside a box that scrolls sideways on its own are that box's business.
const layout = (page) => page.evaluate((minFont) => {
  const width = innerWidth;
  const scrollsSideways = (element) => {
    for (let a = element.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX) && a.scrollWidth > a.clientWidth) return true;
    }
    return false;
  };
  const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
  const name = (element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.dataset.testid ? `[${element.dataset.testid}]` : ''}`;
  const outside = (box) => box.left < -0.5 || box.right > width + 0.5;

  const navLinks = Array.from(document.querySelectorAll('nav a'));
  const navOut = navLinks.filter((a) => outside(a.getBoundingClientRect())).map((a) => a.textContent);
  const canvases = Array.from(document.querySelectorAll('main canvas')).filter((c) => shown(c) && !scrollsSideways(c));
  const canvasesOut = canvases.filter((c) => outside(c.getBoundingClientRect())).map(name);
  // Canvases whose pixels are wider than the screen's content area: shown scaled down.
  const scaled = canvases.filter((c) => c.width > width - 40).map((c) => ({ name: name(c), pixels: c.width, shown: Math.round(c.getBoundingClientRect().width) }));
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter((e) => shown(e) && !scrollsSideways(e) && outside(e.getBoundingClientRect())).map(name);

  const small = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !shown(element) || element.closest('.visually-hidden, [hidden], option')) continue;
    const svg = element.closest('svg');
    const scale = svg ? svg.getScreenCTM().a : 1;
    const px = parseFloat(getComputedStyle(element).fontSize) * scale;
    if (px < minFont - 0.01) small.add(`${name(element)} ${px.toFixed(1)} px: "${node.textContent.trim().slice(0, 24)}"`);
  }
  for (const { canvas, px } of window.__canvasText()) if (px < minFont - 0.5) small.add(`canvas ${canvas}: labels at ${px.toFixed(1)} px`);
  return {
    innerWidth: width, scrollWidth: document.documentElement.scrollWidth, navLinks: navLinks.length, navOut, canvases: canvases.length,
    canvasesOut, scaled, wide: wide.slice(0, 8), small: [...small].slice(0, 8),
  };
}, MIN_FONT_PX);

for (const demo of DEMOS) {
  test(`${demo} at ${WIDTHS.join(' and ')} px: no sideways scroll, navigation in view, canvases to the width, text at least ${MIN_FONT_PX} px`, async () => {
    for (const width of WIDTHS) {
      const { context, page, errors } = await phone(demo, width);
      const seen = await layout(page);
      console.log(`${demo} @ ${width}: document ${seen.scrollWidth} px wide; ${seen.canvases} canvases; scaled down: ${seen.scaled.map((c) => `${c.name} ${c.pixels}→${c.shown}`).join(', ') || 'none'}`);
      // The header and the demo's first part, at CSS pixels (docs/phone-<demo>.png are these).
      if (width === 390) await page.screenshot({ path: `${artefacts}/phone-${demo}.png`, fullPage: true, clip: { x: 0, y: 0, width, height: 1400 }, scale: 'css' });
      assert.equal(seen.innerWidth, width, 'the page is not zoomed out to fit something wider (the meta viewport holds)');
      assert.ok(seen.scrollWidth <= seen.innerWidth, `no sideways scroll: the document is ${seen.scrollWidth} px wide on a ${width} px screen (${seen.wide.join(', ')})`);
      assert.equal(seen.navLinks, DEMOS.length + 1, 'every demo has its link, and the path its own');
      assert.deepEqual(seen.navOut, [], 'every navigation link is within the screen');
      assert.deepEqual(seen.canvasesOut, [], 'no canvas runs past the screen');
      for (const c of seen.scaled) assert.ok(c.shown <= width, `${c.name} (${c.pixels} px) is shown scaled to the width`);
      assert.deepEqual(seen.small, [], `no text under ${MIN_FONT_PX} px`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
}

// A stroke with a finger: touch events through the DevTools protocol (Playwright's touchscreen
// only taps), which the browser turns into pointer events as on a phone. `points` are in the
// pixels of a `size`-pixel pad, whatever size it is shown at. The page must not scroll under it.
async function swipe(page, testid, points, size) {
  const pad = page.getByTestId(testid);
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();

  const cdp = await page.context().newCDPSession(page);
  const at = ([x, y]) => [{ x: box.x + (x / size) * box.width, y: box.y + (y / size) * box.height }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(points[0]) });
  for (const point of points.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(point) });
  // The finger rests before it lifts, as at the end of a stroke. Lifted at the speed of these
  // instant moves, the stroke ends in a fling, and Chromium swallows the click of the next tap,
  // which only stops the fling (seen: a tap on a button right after gave no click; with this
  // rest it does).
  await page.waitForTimeout(300);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  // Where the pad is on the screen, not scrollY: content above may change height meanwhile, and
  // scroll anchoring then moves scrollY to keep the pad in place.
  const after = await pad.boundingBox();
  assert.ok(Math.abs(after.y - box.y) < 1 && Math.abs(after.x - box.x) < 1, `the page did not move under the finger on ${testid} (${box.y} → ${after.y})`);
}

// Records the pointer types that reach the page.
const watchPointers = (page) => page.evaluate(() => {
  window.__pointerTypes = new Set();
  document.addEventListener('pointerdown', (event) => window.__pointerTypes.add(event.pointerType), true);
});
const pointers = (page) => page.evaluate(() => ({ types: [...window.__pointerTypes] }));

// A canvas's pixels as ink in [0, 1] (red channel), averaged down to 28×28.
const ink28 = (page, testid) => page.getByTestId(testid).evaluate((canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const cell = canvas.width / 28;
  return Array.from({ length: 784 }, (_, p) => {
    const [cx, cy] = [p % 28, Math.floor(p / 28)];
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(cy * cell); y < Math.floor((cy + 1) * cell); y += 1) {
      for (let x = Math.floor(cx * cell); x < Math.floor((cx + 1) * cell); x += 1) { sum += data[(y * canvas.width + x) * 4] / 255; n += 1; }
    }
    return sum / n;
  });
});

// Checks a pad after a finger drew a 1 down its middle: ink there and only there.
function assertOne(image, what) {
  assert.ok(total(image) > 10, `${what} has ink (${total(image).toFixed(1)})`);
  assert.ok(middleShare(image) > 0.8, `${what}: the 1 stands in the middle columns, where the finger went (${middleShare(image).toFixed(2)})`);
}

test('the drawing pads draw with a finger at 360 px: auto-encoder, AE lab, AE variants, both VAE pads, the PixelRNN completion pad', async () => {
  const width = 360;
  for (const [demo, pad, size, clear, model] of [
    ['autoencoder', 'draw-canvas', 280, 'clear', 'input-canvas'],
    ['ae-lab', 'draw-canvas', 280, 'lab-clear', 'lab-input-canvas'],
    ['ae-variants', 'draw-canvas', 280, 'variants-clear', null],
  ]) {
    const { context, page } = await phone(demo, width);
    await page.getByTestId(clear).tap(); // the pad may show a test digit
    await watchPointers(page);
    await swipe(page, pad, strokeOne(size), size);
    await settle(page);
    const shownWidth = Math.round((await page.getByTestId(pad).boundingBox()).width);
    const drawn = await ink28(page, pad);
    console.log(`${demo}: ${pad} (${size} px, shown ${shownWidth} px) ink ${total(drawn).toFixed(1)}, middle share ${middleShare(drawn).toFixed(2)}`);
    assert.deepEqual((await pointers(page)).types, ['touch'], 'the pad got touch pointer events');
    assertOne(drawn, `${demo}: the pad`);
    if (model) assertOne(await ink28(page, model), `${demo}: the model's input`);
    await context.close();
  }

  const vae = await phone('vae', width, '&vae-a=-1&vae-b=-1');
  await watchPointers(vae.page);
  await swipe(vae.page, 'vae-draw-a', strokeOne(140), 140);
  const strips = await vae.page.getByTestId('vae-interp-strip').evaluate((c) => Number(c.dataset.draws ?? 0));
  await swipe(vae.page, 'vae-draw-b', strokeZero(140), 140);
  await vae.page.waitForFunction((n) => Number(document.querySelector('[data-testid=vae-interp-strip]').dataset.draws ?? 0) > n, strips, { timeout: 60_000 });
  await settle(vae.page);
  assert.deepEqual((await pointers(vae.page)).types, ['touch']);
  const [a, b] = [await ink28(vae.page, 'vae-draw-a'), await ink28(vae.page, 'vae-draw-b')];
  console.log(`VAE: first pad ink ${total(a).toFixed(1)}, middle share ${middleShare(a).toFixed(2)}; second pad ink ${total(b).toFixed(1)}, centre ${b[14 * 28 + 14].toFixed(2)}, middle share ${middleShare(b).toFixed(2)}`);
  assertOne(a, 'VAE: the first pad');
  assert.ok(total(b) > 10 && b[14 * 28 + 14] < 0.1, 'VAE: the second pad holds a ring with an empty middle');
  assert.ok(middleShare(b) < middleShare(a), 'VAE: the 0 is wider than the 1');
  await vae.page.screenshot({ path: `${artefacts}/phone-vae-touch.png`, fullPage: true });
  await vae.context.close();

  // The completion pad: a finger draws a 7's bar and stem, the model takes the rows above the cut.
  const pixel = await phone('pixelrnn', width, '&pixel-rows=14');
  await watchPointers(pixel.page);
  await swipe(pixel.page, 'pixel-draw', [[30, 30], [70, 30], [110, 30], [95, 55], [80, 80], [70, 100], [60, 125]], 140);
  const pad = await ink28(pixel.page, 'pixel-draw');
  assert.deepEqual((await pointers(pixel.page)).types, ['touch']);
  assert.ok(total(pad) > 10, 'PixelRNN: the completion pad has ink');
  assert.ok(total(pad.slice(4 * 28, 8 * 28)) > 5 && total(pad.slice(0, 4 * 28)) < 0.5, 'PixelRNN: the 7\'s bar is in rows 5–7 (y = 30 of 140), where the finger went');
  await pixel.page.getByTestId('pixel-complete').tap();
  await pixel.page.waitForFunction(() => {
    const canvas = document.querySelector('[data-testid=pixel-input]');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    return data.some((v, i) => i % 4 === 0 && v > 128);
  }, null, { timeout: 120_000 }).catch(async (error) => {
    const state = await pixel.page.evaluate(() => ({
      completions: document.querySelector('[data-testid=pixel-completions]').dataset.done,
      note: document.querySelector('[data-testid=note]').textContent,
      button: document.querySelector('[data-testid=pixel-complete]').disabled ? 'disabled' : 'enabled',
    }));
    throw new Error(`${error.message}: no completion input shown (${JSON.stringify(state)})`);
  });
  const input = await ink28(pixel.page, 'pixel-input');
  console.log(`PixelRNN: the pad's ink ${total(pad).toFixed(1)}; the completion's input (centred as MNIST) ${total(input).toFixed(1)}`);
  assert.ok(total(input) > 10, 'the drawing reached the model as the completion\'s input');
  await pixel.context.close();
});
