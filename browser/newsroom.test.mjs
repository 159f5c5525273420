// The newsroom in real headless Chromium: sign in with the first-run admin password printed on the
// terminal, write an article with an image, preview, publish, find it on the public site and
// through search, edit it, unpublish it, see it gone. Then the same admin at phone width.
// Run: node --test browser/   (needs target/debug/newsdesk; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

let server;
let browser;
let password;

before(async () => {
  server = await startServer();
  // The first start prints the admin's one-time password on stderr (never in a log file).
  const m = server.stderr.match(/password: (\S+)/);
  assert.ok(m, `first-run password not printed:\n${server.stderr}`);
  password = m[1];
  assert.match(server.stderr, /\/admin\/login/);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page) {
  await page.goto(`${server.base}/admin/login`);
  await page.fill('input[name=name]', 'admin');
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/admin/articles'), page.click('button[type=submit]')]);
}

/** A PNG drawn in the page itself, so the test needs no image files or libraries. */
async function makePng(page, width, height) {
  const dataUrl = await page.evaluate(([w, h]) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d');
    g.fillStyle = '#0b5cad';
    g.fillRect(0, 0, w, h);
    g.fillStyle = '#ffffff';
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    return c.toDataURL('image/png');
  }, [width, height]);
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

test('write, preview, publish, find, edit, unpublish', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page);
  assert.equal(await page.locator('.page-title').first().innerText().then((t) => t.startsWith('文章')), true);

  await page.click('text=写文章');
  await page.waitForURL('**/admin/articles/new');
  const word = `浏览器测试${Date.now() % 100000}`;
  await page.fill('input[name=title]', `${word}：新型储能电站并网`);
  await page.selectOption('select[name=channel]', 'storage');
  await page.fill('input[name=author]', '测试编辑');
  // Markdown, chosen with the 正文格式 switch (new articles open in the rich-text editor).
  await page.selectOption('#body-format', 'markdown');
  await page.fill('textarea[name=body]', `## 项目概况\n\n${word}项目今日并网，规模 **100 兆瓦**。\n`);

  // Live preview: rendered by the server exactly as the public page will be.
  await page.locator('#preview-body h2', { hasText: '项目概况' }).waitFor();
  assert.equal(await page.locator('#preview-body strong').innerText(), '100 兆瓦');

  // Insert an image: uploaded, resized, inserted as Markdown, shown with srcset in the preview.
  const png = await makePng(page, 1200, 700);
  await page.setInputFiles('#editor-upload', { name: 'site.png', mimeType: 'image/png', buffer: png });
  await page.locator('#upload-status', { hasText: '已插入图片' }).waitFor();
  const img = page.locator('#preview-body img');
  await img.waitFor();
  assert.match(await img.getAttribute('srcset'), /480w/);

  await Promise.all([page.waitForURL(/\/admin\/articles\/\d+\?notice=published/), page.click('button[value=publish]')]);
  assert.match(await page.locator('.notice').innerText(), /已发布/);
  const publicPath = await page.locator('.page-head a[target=_blank]').getAttribute('href');
  const editUrl = page.url().split('?')[0];

  const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await reader.goto(server.base + publicPath);
  assert.equal(await reader.locator('h1').innerText(), `${word}：新型储能电站并网`);
  const publicImg = reader.locator('.article-body img');
  assert.match(await publicImg.getAttribute('srcset'), /960w/);
  assert.ok(await publicImg.evaluate((el) => el.complete && el.naturalWidth > 0), 'image loads');

  // Search finds it at once.
  await reader.goto(`${server.base}/search?q=${encodeURIComponent(word)}`);
  assert.ok(await reader.locator(`a[href="${publicPath}"]`).count() > 0, 'found by search');

  // A correction reaches the public page at once.
  await page.goto(editUrl);
  await page.fill('input[name=title]', `${word}：新型储能电站正式并网`);
  await Promise.all([page.waitForURL(/notice=published/), page.click('button[value=publish]')]);
  await reader.goto(server.base + publicPath);
  assert.equal(await reader.locator('h1').innerText(), `${word}：新型储能电站正式并网`);

  // Unpublished: gone from the public site and from search.
  await Promise.all([page.waitForURL(/notice=unpublished/), page.click('text=撤回发布')]);
  const gone = await reader.goto(server.base + publicPath);
  assert.equal(gone.status(), 404);
  await reader.goto(`${server.base}/search?q=${encodeURIComponent(word)}`);
  assert.equal(await reader.locator(`a[href="${publicPath}"]`).count(), 0);
  await reader.close();
  await page.close();
});

test('the admin is usable at phone width', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await signIn(page);
  const rows = await page.locator('.admin-row').count();
  assert.ok(rows > 0, 'article list shows the demo articles');
  const noScroll = async () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(await noScroll(), 'article list fits 390 px');
  await page.goto(`${server.base}/admin/articles/new`);
  assert.ok(await noScroll(), 'editor fits 390 px');
  const box = await page.locator('button[value=publish]').boundingBox();
  assert.ok(box && box.height >= 44, 'touch-sized buttons');
  await page.close();
});
