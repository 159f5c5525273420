// The Content-Security-Policy in real headless Chromium: public and newsroom pages load and work
// with no policy violation (no inline script or style left in the theme), and a page elsewhere
// cannot frame the newsroom.
// Run: node --test browser/   (needs target/debug/newsdesk; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

let server;
let browser;
let password;

before(async () => {
  server = await startServer();
  password = server.stderr.match(/password: (\S+)/)[1];
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page that records every CSP violation it sees. */
async function watchedPage() {
  const page = await browser.newPage();
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, violations };
}

test('public pages load with no CSP violation', async () => {
  const { page, violations } = await watchedPage();
  const home = await (await fetch(`${server.base}/`)).text();
  const article = home.match(/href="(\/articles\/[^"]+)"/)[1];
  for (const path of ['/', article, '/targets', '/search?q=氢能', '/no-such-page']) {
    await page.goto(server.base + path, { waitUntil: 'networkidle' });
  }
  // The sector chart's bars (an SVG, as inline styles are not allowed) have their lengths.
  await page.goto(`${server.base}/targets`, { waitUntil: 'networkidle' });
  const widths = await page.$$eval('.bars rect', (rs) => rs.map((r) => r.getBoundingClientRect().width));
  assert.ok(widths.length > 0 && widths.every((w) => w > 0), `bar widths ${widths}`);
  assert.equal(Math.max(...widths) > 2 * Math.min(...widths) || widths.length === 1, true);
  assert.deepEqual(violations, []);
  await page.close();
});

test('the newsroom works with no CSP violation', async () => {
  const { page, violations } = await watchedPage();
  await page.goto(`${server.base}/admin/login`);
  await page.fill('input[name=name]', 'admin');
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/admin/articles'), page.click('button[type=submit]')]);
  for (const path of ['/admin', '/admin/articles', '/admin/images', '/admin/settings', '/admin/users',
    '/admin/channels', '/admin/tokens', '/admin/audit', '/admin/account', '/admin/stats']) {
    await page.goto(server.base + path, { waitUntil: 'networkidle' });
  }
  // The statistics chart's bars have the heights drawn on the server (no stylesheet rule resizes
  // them); headless Chromium counts as a crawler, so every day has none.
  await page.goto(`${server.base}/admin/stats`, { waitUntil: 'networkidle' });
  const heights = await page.$$eval('.views-chart rect.day-bar', (rs) => rs.map((r) => r.getBoundingClientRect().height));
  assert.equal(heights.length, 30);
  assert.ok(heights.every((h) => h === 0), `bar heights ${heights}`);
  // The rich-text editor and the live preview are script: they still run, a table included.
  await page.goto(`${server.base}/admin/articles/new`, { waitUntil: 'networkidle' });
  await page.locator('.rich-content').click();
  await page.keyboard.type('预览正文');
  await page.keyboard.press('Control+a');
  await page.click('.rich-toolbar button[data-cmd=bold]');
  await page.locator('#preview-body strong').first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('End');
  await page.click('.rich-toolbar button[data-cmd=table]');
  await page.locator('#preview-body table').first().waitFor({ timeout: 10_000 });
  // And the Markdown box behind the format switch.
  await page.selectOption('#body-format', 'markdown');
  await page.fill('textarea[name=body]', '**预览**正文');
  await page.locator('#preview-body strong', { hasText: '预览' }).first().waitFor({ timeout: 10_000 });
  assert.deepEqual(violations, []);
  await page.close();
});

test('a page elsewhere cannot frame the newsroom', async () => {
  const page = await browser.newPage();
  await page.setContent(`<iframe src="${server.base}/admin/login"></iframe>`);
  await page.waitForTimeout(1000);
  const framed = page.frames().find((f) => f.url().includes('/admin/login'));
  const hasForm = framed ? await framed.$('input[name=password]').then((e) => e !== null).catch(() => false) : false;
  assert.equal(hasForm, false);
  await page.close();
});
