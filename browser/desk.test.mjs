// The editors' desk in real headless Chromium at phone width (390 px): bulk actions from the
// article list (tick rows, pick 移到栏目, run), and refused forms that come back with the error
// beside the field and what was typed (the editor's SEO title, the settings' time zone list).
// Run: node --test browser/   (needs target/debug/newsdesk; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

let server;
let browser;
let password;

before(async () => {
  server = await startServer();
  const m = server.stderr.match(/password: (\S+)/);
  assert.ok(m, `first-run password not printed:\n${server.stderr}`);
  password = m[1];
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phone() {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${server.base}/admin/login`);
  await page.fill('input[name=name]', 'admin');
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/admin/articles'), page.click('button[type=submit]')]);
  return page;
}

const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

async function write(page, title) {
  await page.goto(`${server.base}/admin/articles/new`);
  await page.fill('input[name=title]', title);
  await page.selectOption('select[name=channel]', 'nev');
  // Markdown, chosen with the 正文格式 switch (new articles open in the rich-text editor).
  await page.selectOption('#body-format', 'markdown');
  await page.fill('textarea[name=body]', `${title}的正文。`);
  await Promise.all([page.waitForURL(/\/admin\/articles\/\d+/), page.click('button[value=draft]')]);
}

test('bulk move and publish from the list at 390 px', async () => {
  const page = await phone();
  const word = `批量${Date.now() % 100000}`;
  await write(page, `${word}甲`);
  await write(page, `${word}乙`);
  await page.goto(`${server.base}/admin/articles?q=${encodeURIComponent(word)}`);
  assert.ok(await fits(page), 'the list with its bulk bar fits 390 px');
  // The channel field shows only for 移到栏目.
  assert.equal(await page.locator('.bulk-channel').isVisible(), false);
  await page.check('#bulk-all');
  assert.equal(await page.locator('input[form=bulk][name=id]:checked').count(), 2);
  await page.selectOption('#bulk-action', 'move');
  assert.equal(await page.locator('.bulk-channel').isVisible(), true);
  await page.selectOption('.bulk-channel select', 'solar');
  await Promise.all([page.waitForURL(/notice=bulk_done/), page.click('#bulk button[type=submit]')]);
  assert.match(await page.locator('.notice, [role=status]').first().innerText(), /批量操作已完成/);
  const channels = await page.locator('.admin-row .meta').allInnerTexts();
  assert.equal(channels.length, 2);
  for (const c of channels) assert.match(c, /光伏|solar/i, c);

  // Publish both; they show as 已发布 and on the public channel page.
  await page.check('#bulk-all');
  await page.selectOption('#bulk-action', 'publish');
  await Promise.all([page.waitForURL(/notice=bulk_done/), page.click('#bulk button[type=submit]')]);
  const statuses = await page.locator('.admin-row .status').allInnerTexts();
  assert.deepEqual(statuses, ['已发布', '已发布']);
  const pub = await browser.newPage();
  await pub.goto(`${server.base}/channels/solar`);
  assert.match(await pub.locator('main').innerText(), new RegExp(`${word}甲`));
  await pub.close();
  await page.close();
});

test('refused forms keep what was typed at 390 px', async () => {
  const page = await phone();
  await page.goto(`${server.base}/admin/articles/new`);
  await page.fill('input[name=title]', '不会丢的标题');
  await page.selectOption('#body-format', 'markdown');
  await page.fill('textarea[name=body]', '不会丢的正文。');
  await page.check('input[name=headline]');
  await page.locator('.desk-seo summary').click();
  // Past the input's maxlength, as a paste or an old browser could send it.
  await page.evaluate(() => document.querySelector('input[name=seo_title]').removeAttribute('maxlength'));
  await page.fill('input[name=seo_title]', '长'.repeat(120));
  await page.click('button[value=draft]');
  await page.waitForSelector('.field-error');
  const seo = page.locator('input[name=seo_title]');
  assert.equal(await seo.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#field-error').innerText(), /SEO 标题太长/);
  assert.ok(await page.locator('#field-error').isVisible(), 'the message is beside the field, visible');
  assert.equal(await page.inputValue('input[name=title]'), '不会丢的标题');
  assert.equal(await page.inputValue('textarea[name=body]'), '不会丢的正文。');
  assert.equal(await page.isChecked('input[name=headline]'), true);
  assert.ok(await fits(page), 'the refused editor fits 390 px');

  // Settings: the time zone is a list; a refused save keeps the other fields.
  await page.goto(`${server.base}/admin/settings`);
  assert.equal(await page.locator('select[name=timezone]').inputValue(), 'Asia/Shanghai');
  await page.selectOption('select[name=timezone]', 'Asia/Taipei');
  await page.fill('input[name=site_name]', '改过的站名');
  await page.fill('input[name=base_url]', 'not-a-url');
  await page.evaluate(() => document.querySelector('input[name=base_url]').removeAttribute('required'));
  await page.click('form button[type=submit].primary');
  await page.waitForSelector('.field-error');
  assert.match(await page.locator('#err-base_url').innerText(), /网站地址/);
  assert.equal(await page.inputValue('input[name=site_name]'), '改过的站名');
  assert.equal(await page.locator('select[name=timezone]').inputValue(), 'Asia/Taipei');
  assert.ok(await fits(page), 'the refused settings fit 390 px');
  await page.close();
});
