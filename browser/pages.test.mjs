// The channel tree in the navigation on a 390 px phone, in real headless Chromium and without
// script: the top row scrolls sideways inside itself (never the page), 全部栏目 stays on screen and
// unfolds the whole tree, sub-channels are tappable (44 px) and inside the viewport, and a
// sub-channel's page shows its siblings' row and the breadcrumb through its parent.
// Run: node --test browser/   (needs target/debug/newsdesk and the sqlite3 command; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launchChromium, startServer } from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  // 充换电 under 新能源汽车, written beside the server: the content-version trigger tells it.
  execFileSync('sqlite3', [join(server.data, 'newsdesk.db'),
    "UPDATE channels SET parent_id = (SELECT id FROM channels WHERE slug = 'nev') WHERE slug = 'charging';"]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const html = await (await fetch(`${server.base}/channels/charging`)).text();
    if (html.includes('nav-sub')) break;
    if (Date.now() > deadline) throw new Error('the server never showed the channel tree');
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  test(`the channel tree works on a 390 px phone (script ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, javaScriptEnabled,
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/channels/charging`, { waitUntil: 'networkidle' });
    const width = await page.evaluate(() => window.innerWidth);
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(pageWidth <= width, `page is ${pageWidth} px wide in a ${width} px viewport`);

    // The breadcrumb names the parent.
    assert.deepEqual(await page.locator('.crumbs li').allInnerTexts(), ['首页', '新能源汽车', '充换电']);

    // The sub-channel row: visible, inside the viewport, a 44 px target, marked current.
    const sub = page.locator('.nav-sub a', { hasText: '充换电' });
    const subBox = await sub.boundingBox();
    assert.ok(subBox && subBox.x >= 0 && subBox.x + subBox.width <= width && subBox.height >= 44, JSON.stringify(subBox));
    assert.equal(await sub.getAttribute('aria-current'), 'page');
    // The parent in the top row is marked as the tree the page is in.
    assert.equal(await page.locator('.nav-top a.in-tree').innerText(), '新能源汽车');

    // 全部栏目 is on screen however long the top row is, and unfolds the tree below the bar.
    const summary = page.locator('.nav-all > summary');
    const sumBox = await summary.boundingBox();
    assert.ok(sumBox && sumBox.x >= 0 && sumBox.x + sumBox.width <= width && sumBox.height >= 44, JSON.stringify(sumBox));
    assert.equal(await page.locator('.nav-tree').isVisible(), false);
    await summary.tap();
    const tree = page.locator('.nav-tree');
    await tree.waitFor({ state: 'visible' });
    const treeBox = await tree.boundingBox();
    assert.ok(treeBox.x >= 0 && treeBox.x + treeBox.width <= width, `tree ${JSON.stringify(treeBox)}`);
    assert.ok(treeBox.y >= sumBox.y + sumBox.height - 1, 'the tree opens below the bar');
    const child = tree.locator('li ul a', { hasText: '充换电' });
    const childBox = await child.boundingBox();
    assert.ok(childBox && childBox.x + childBox.width <= width && childBox.height >= 44, JSON.stringify(childBox));
    // Nothing covers it: the element at its centre is the link itself.
    const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('a')?.textContent, {
      x: childBox.x + childBox.width / 2, y: childBox.y + childBox.height / 2,
    });
    assert.equal(hit, '充换电');
    // The link is to the page already shown, so its URL alone says nothing: wait for the
    // navigation the tap starts to finish before the next one begins.
    const navigated = page.waitForEvent('framenavigated');
    await child.tap();
    await navigated;
    await page.waitForLoadState('networkidle');
    assert.equal(page.url(), `${server.base}/channels/charging`);

    // The parent's page lists the sub-channel for readers who never open the menu.
    await page.goto(`${server.base}/channels/nev`, { waitUntil: 'networkidle' });
    assert.deepEqual(await page.locator('.sub-channels a').allInnerTexts(), ['充换电']);
    await context.close();
  });
}
