// /targets on a phone (360×740) in real headless Chromium: the targets read as cards with no
// sideways scrolling, and each target's clause (原文) is visible text, not only a tooltip.
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

test('/targets fits a 360 px phone and shows the clauses', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${server.base}/targets`, { waitUntil: 'networkidle' });

  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth} px wide in a ${innerWidth} px viewport`);

  // The first card: its clause is visible text inside the viewport's width.
  const clause = page.locator('.targets-table tbody tr').first().locator('.clause-cell');
  await clause.waitFor({ state: 'visible' });
  const text = (await clause.innerText()).trim();
  assert.ok(text.length > 4, `clause text ${JSON.stringify(text)}`);
  const box = await clause.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0 && box.x >= 0 && box.x + box.width <= innerWidth, JSON.stringify(box));

  // No card sticks out of the viewport either (a table kept its width would).
  const widest = await page.$$eval('.targets-table tbody tr', (rows) => Math.max(...rows.map((r) => r.getBoundingClientRect().right)));
  assert.ok(widest <= innerWidth, `a card reaches ${widest} px`);

  // The article's panel shows the clause too, and its link still lands on the highlighted mark.
  const href = await page.locator('.targets-table tbody tr').first().locator('.indicator-cell a:not(.compare-link)').getAttribute('href');
  await page.goto(server.base + href, { waitUntil: 'networkidle' });
  const anchor = href.split('#')[1];
  assert.equal(await page.evaluate(() => location.hash.slice(1)), anchor);
  assert.ok(await page.locator(`.article-body mark#${anchor}`).isVisible());
  // On a phone the article's panel is folded after the lead (issue 14); unfolded, it shows the clauses.
  assert.equal(await page.locator('.targets-panel .clause-cell').first().isVisible(), false);
  await page.locator('.targets-panel summary').click();
  assert.ok(await page.locator('.targets-panel .clause-cell').first().isVisible());
  const articleWidth = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(articleWidth, 'the article page scrolls sideways');
  await context.close();
});
