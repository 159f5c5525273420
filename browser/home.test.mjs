// The home page as a portal in headless Chromium (issue 14): the 焦点图 carousel is usable with
// JavaScript disabled (its numbered links bring each slide into view, and a swipe — a horizontal
// scroll of the row — snaps to a slide), nothing overflows sideways at 390 px, every image has its
// dimensions, and with JavaScript the previous/next buttons move one slide and mark its number.
// Run: node --test browser/   (needs target/debug/newsdesk; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Polls `fn` in the page from Node until it returns true: with JavaScript disabled the page's own
 * timers and animation frames (which waitForFunction polls with) do not run. */
async function until(page, fn, arg, what) {
  const deadline = Date.now() + 10_000;
  while (!(await page.evaluate(fn, arg))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** Index of the slide that fills the carousel's row now. */
function currentSlide(page) {
  return page.$eval('.slides', (row) => {
    const r = row.getBoundingClientRect();
    const slides = [...row.querySelectorAll('.slide')];
    return slides.findIndex((s) => Math.abs(s.getBoundingClientRect().left - r.left) < 2);
  });
}

test('the carousel works without JavaScript on a 390 px phone and nothing overflows', async () => {
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.base}/`, { waitUntil: 'load' });

  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth} px wide in a ${innerWidth} px viewport`);
  // Every box on the page stays inside the viewport, except the slides beyond the first (they
  // are in the carousel's own scrolling row, clipped by it).
  const outside = await page.$$eval('main *', (els) => els
    .filter((e) => !e.closest('.slides'))
    .map((e) => ({ e, r: e.getBoundingClientRect() }))
    .filter(({ r }) => r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5))
    .map(({ e, r }) => `${e.tagName}.${e.className} ${Math.round(r.left)}–${Math.round(r.right)}`));
  assert.deepEqual(outside, []);

  const slides = await page.locator('.slides .slide').count();
  assert.ok(slides >= 2, `${slides} slides`);
  const row = await page.locator('.slides').boundingBox();
  assert.ok(row.width <= 390 && row.width > 300, `row ${row.width} px`);
  // The first slide shows, with its caption visible over its picture.
  assert.equal(await currentSlide(page), 0);
  assert.ok(await page.locator('.slide').first().locator('.slide-caption').isVisible());
  // No script, so no buttons that would do nothing.
  assert.equal(await page.locator('.slide-nav').count(), 0);

  // A numbered link brings its slide into the row (the browser scrolls to the fragment).
  await page.locator('.slide-dots a').nth(2).click();
  await until(page, () => {
    const row = document.querySelector('.slides');
    const s = row.querySelectorAll('.slide')[2];
    return Math.abs(s.getBoundingClientRect().left - row.getBoundingClientRect().left) < 2;
  }, null, 'slide 3 in view');
  assert.equal(await currentSlide(page), 2);
  assert.ok(await page.locator('.slide').nth(2).locator('.slide-caption').isVisible());

  // A swipe that stops between slides snaps to one of them.
  await page.$eval('.slides', (row) => row.scrollTo({ left: row.clientWidth * 0.8, behavior: 'instant' }));
  await until(page, () => {
    const row = document.querySelector('.slides');
    return Math.abs(row.scrollLeft / row.clientWidth - Math.round(row.scrollLeft / row.clientWidth)) < 0.01;
  }, null, 'the row to snap');
  assert.equal(await currentSlide(page), 1);

  // Each slide's link is reachable with the keyboard.
  const links = await page.$$eval('.slides .slide a', (as) => as.map((a) => a.tabIndex));
  assert.ok(links.every((t) => t === 0), JSON.stringify(links));
  await context.close();
});

test('every image on the home page has its dimensions and srcset, and every picture loads', async () => {
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(`${server.base}/`, { waitUntil: 'networkidle' });
  // The articles' pictures (the site's own icons, such as the filing badge, are not photos).
  const images = await page.$$eval('main img', (imgs) => imgs.map((img) => ({
    src: img.getAttribute('src'),
    width: Number(img.getAttribute('width')),
    height: Number(img.getAttribute('height')),
    srcset: img.getAttribute('srcset'),
    sizes: img.getAttribute('sizes'),
    loading: img.getAttribute('loading'),
  })));
  assert.ok(images.length >= 5, `${images.length} images`);
  for (const img of images) {
    assert.ok(img.width > 0 && img.height > 0, `${img.src} has no width/height`);
    assert.ok(img.srcset && img.sizes, `${img.src} has no srcset/sizes`);
  }
  // The pictures below the first screen wait until they are near.
  assert.ok(images.filter((i) => i.loading === 'lazy').length >= images.length - 2);
  // Scrolled through, every picture loads (none is a broken link).
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 600) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await page.waitForFunction(() => [...document.images].filter((i) => i.closest('.slides') === null).every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20_000 });
  await context.close();
});

test('with JavaScript, previous/next buttons move one slide and mark its number', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${server.base}/`, { waitUntil: 'networkidle' });
  const next = page.getByRole('button', { name: '下一张' });
  const prev = page.getByRole('button', { name: '上一张' });
  await next.waitFor({ state: 'visible' });
  assert.equal(await page.locator('.slide-dots a[aria-current="true"]').getAttribute('href'), '#slide-1');
  await next.click();
  await page.waitForFunction(() => document.querySelector('.slide-dots a[aria-current="true"]')?.getAttribute('href') === '#slide-2');
  assert.equal(await currentSlide(page), 1);
  // From the first slide, previous wraps round to the last.
  await prev.click();
  await page.waitForFunction(() => document.querySelector('.slides').scrollLeft === 0);
  await prev.click();
  const count = await page.locator('.slides .slide').count();
  await page.waitForFunction((n) => {
    const row = document.querySelector('.slides');
    return Math.round(row.scrollLeft / row.clientWidth) === n - 1;
  }, count);
  // Nothing moves by itself.
  const at = await page.$eval('.slides', (row) => row.scrollLeft);
  await page.waitForTimeout(1500);
  assert.equal(await page.$eval('.slides', (row) => row.scrollLeft), at);
  await context.close();
});
