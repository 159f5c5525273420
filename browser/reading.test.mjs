// Reading an article in real headless Chromium (issue 14): every layout defect the issue lists is
// measured here — positions, widths and computed contrast — so it cannot come back unseen; and the
// reading tools (A-/A+ remembered, copy link, 返回顶部) work.
// Run: NEWSDESK_BIN=…/newsdesk node --test browser/reading.test.mjs   (see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

const SEED_TITLE = '合肥丨携手打造新能源与智能网联汽车世界级产业集群';
const WECHAT_PC_UA = 'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
  + 'Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) '
  + 'WindowsWechat(0x63090a13) XWEB/8555';
const WECHAT_PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 '
  + '(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 900 } };

let server;
let browser;
let seed;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  const home = await (await fetch(`${server.base}/`)).text();
  const m = [...home.matchAll(/<a[^>]+href="(\/articles\/[^"]+)"[^>]*>([^<]*)</g)].find(([, , t]) => t.includes(SEED_TITLE));
  assert.ok(m, 'seed article linked from the home page');
  seed = m[1];
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(path, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(server.base + path, { waitUntil: 'networkidle' });
  return { context, page };
}

const box = (page, selector) => page.locator(selector).first().boundingBox();

test('content keeps its distance from the navigation bar (main padding not overridden by .wrap)', async () => {
  for (const [name, opts] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    for (const path of ['/', seed, '/search?q=新能源']) {
      const { context, page } = await open(path, opts);
      const gap = await page.evaluate(() => {
        const header = document.querySelector('.site-header').getBoundingClientRect();
        const main = document.querySelector('main');
        const first = main.firstElementChild.getBoundingClientRect();
        return { padding: parseFloat(getComputedStyle(main).paddingTop), gap: first.top - header.bottom };
      });
      assert.ok(gap.padding >= 16, `${name} ${path}: main padding-top ${gap.padding}px`);
      assert.ok(gap.gap >= 16, `${name} ${path}: content ${gap.gap}px below the navigation`);
      await context.close();
    }
  }
});

test('PC WeChat in a wide window: the article column is readable, the panel not beside it', async () => {
  const { context, page } = await open(seed, { ...DESKTOP, userAgent: WECHAT_PC_UA });
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('wechat')), true);
  const body = await box(page, '.article-body:not(.article-lead)');
  assert.ok(body.width >= 600, `article column ${body.width}px wide (was 268)`);
  const lead = await box(page, '.article-lead');
  const panel = await box(page, '.targets-panel');
  assert.ok(panel.y >= lead.y + lead.height - 1, 'panel below the lead, not beside the text');
  assert.equal(await page.locator('.targets-table').first().isVisible(), false, 'panel folded in WeChat');
  await context.close();
});

function contrastOf(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const s = getComputedStyle(el);
    const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  }, selector);
}

test('dark mode: the search buttons read at 4.5:1 or better', async () => {
  for (const [path, selector] of [['/', '.search-box button'], ['/search?q=新能源', '.search-filters button']]) {
    const { context, page } = await open(path, { ...DESKTOP, colorScheme: 'dark' });
    const ratio = await contrastOf(page, selector);
    assert.ok(ratio >= 4.5, `${path} ${selector}: contrast ${ratio.toFixed(2)}:1 (was about 2.3:1)`);
    await context.close();
  }
  const { context, page } = await open('/', { ...DESKTOP, colorScheme: 'light' });
  assert.ok(await contrastOf(page, '.search-box button') >= 4.5, 'light mode too');
  await context.close();
});

test('phone search page: one search box, filters folded, results on the first screen', async () => {
  const { context, page } = await open('/search?q=新能源', PHONE);
  const boxes = await page.locator('input[type=search]').evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height > 0).length);
  assert.equal(boxes, 1, 'search boxes on the page');
  assert.equal(await page.locator('#channel').isVisible(), false, 'filters folded');
  const hit = await box(page, '.search-hit');
  assert.ok(hit && hit.y < 844, `first result at ${hit?.y}px, below the first screen`);
  // Unfolding shows the filters, and they fit the phone.
  await page.locator('.more-filters summary').click();
  assert.equal(await page.locator('#channel').isVisible(), true);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await context.close();
});

test('/targets is in the navigation', async () => {
  const { context, page } = await open('/', DESKTOP);
  const link = page.locator('nav.channels a[href="/targets"]');
  assert.equal(await link.isVisible(), true);
  const b = await link.boundingBox();
  assert.ok(b.x + b.width <= 1366 && b.height >= 44, JSON.stringify(b));
  await link.click();
  await page.waitForURL(/\/targets$/);
  await context.close();
});

test('the public-security filing number carries its badge', async () => {
  const { context, page } = await open('/', PHONE);
  const badge = page.locator('footer a.psb img.psb-badge');
  await badge.scrollIntoViewIfNeeded();
  assert.equal(await badge.isVisible(), true);
  const geometry = await page.evaluate(() => {
    const img = document.querySelector('footer a.psb img.psb-badge');
    const link = img.closest('a').getBoundingClientRect();
    const r = img.getBoundingClientRect();
    return { complete: img.complete && img.naturalWidth > 0, w: r.width, h: r.height, imgMid: r.top + r.height / 2, linkMid: link.top + link.height / 2, left: r.left, linkLeft: link.left };
  });
  assert.ok(geometry.complete, 'badge image loaded');
  assert.ok(geometry.w >= 16 && geometry.h >= 16, JSON.stringify(geometry));
  assert.ok(Math.abs(geometry.imgMid - geometry.linkMid) <= 2, 'badge centred on the number');
  assert.ok(geometry.left - geometry.linkLeft <= 1, 'badge before the number');
  await context.close();
});

test('phones and WeChat: the first screen is text; the 量化目标 panel follows the lead, folded', async () => {
  for (const [name, opts] of [['phone', PHONE], ['WeChat', { ...PHONE, userAgent: WECHAT_PHONE_UA }]]) {
    const { context, page } = await open(seed, opts);
    assert.equal(await page.locator('.targets-table').first().isVisible(), false, `${name}: table shown`);
    const lead = await box(page, '.article-lead p');
    const panel = await box(page, '.targets-panel');
    assert.ok(lead.y < 844, `${name}: lead paragraph at ${lead.y}px`);
    assert.ok(panel.y > lead.y, `${name}: panel above the lead`);
    // Tables on the first screen: none.
    const tables = await page.evaluate(() => [...document.querySelectorAll('table')]
      .filter((t) => { const r = t.getBoundingClientRect(); return r.height > 0 && r.top < window.innerHeight; }).length);
    assert.equal(tables, 0, `${name}: a table on the first screen`);
    await page.locator('.targets-panel summary').click();
    assert.equal(await page.locator('.targets-table').first().isVisible(), true, `${name}: unfolds`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await context.close();
  }
});

test('wide screens: the panel is open beside the text', async () => {
  const { context, page } = await open(seed, DESKTOP);
  const body = await box(page, '.article-body:not(.article-lead)');
  const panel = await box(page, '.targets-panel');
  assert.ok(panel.x >= body.x + body.width, `panel at x=${panel.x}, text ends at ${body.x + body.width}`);
  assert.ok(body.width >= 600, `text ${body.width}px`);
  assert.equal(await page.locator('.targets-table').first().isVisible(), true);
  const lead = await box(page, '.article-lead');
  assert.ok(panel.y <= lead.y, 'panel starts at the top of the column');
  await context.close();
});

test('A-/A+ change the text size and are remembered; copy link; 返回顶部', async () => {
  const context = await browser.newContext(DESKTOP);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  const page = await context.newPage();
  await page.goto(server.base + seed, { waitUntil: 'networkidle' });
  const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize));
  const base = await size();
  await page.locator('.font-larger').click();
  const larger = await size();
  assert.ok(larger > base, `${base} → ${larger}`);
  await page.reload({ waitUntil: 'networkidle' });
  assert.equal(await size(), larger, 'remembered across pages');
  await page.locator('.font-smaller').click();
  await page.locator('.font-smaller').click();
  assert.ok(await size() < base);
  await page.locator('.font-larger').click();
  assert.equal(await size(), base);

  await page.locator('.copy-link').click();
  await page.locator('.copy-status', { hasText: '链接已复制' }).waitFor();
  const canonical = await page.locator('link[rel=canonical]').getAttribute('href');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), canonical);

  // Related, neighbours and share links are there and inside the column.
  assert.ok(await page.locator('.related-list a').count() >= 1);
  assert.ok(await page.locator('.reading-tools a.share-weibo').isVisible());
  await page.locator('.share-wechat summary').click();
  assert.ok(await page.locator('.share-wechat svg.qr').isVisible());

  await page.locator('.back-top a').scrollIntoViewIfNeeded();
  assert.ok(await page.evaluate(() => window.scrollY) > 500);
  await page.locator('.back-top a').click();
  await page.waitForFunction(() => window.scrollY === 0);
  await context.close();
});
