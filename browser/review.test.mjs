// Review (三审) and revisions in real headless Chromium: a contributor submits, a chief editor sends
// the article back with a comment, the contributor revises and resubmits, the chief approves and
// it is public. Then an edit of a published article stays private (待发布的修改) until 更新发布,
// the history shows the diff, and an earlier revision is restored. Also at phone width.
// Run: node --test browser/   (needs target/debug/newsdesk; see lib.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startServer } from './lib.mjs';

const PASSWORD = 'review-browser-password-1';
let server;
let browser;
let adminPassword;

before(async () => {
  server = await startServer();
  const m = server.stderr.match(/password: (\S+)/);
  assert.ok(m, `first-run password not printed:\n${server.stderr}`);
  adminPassword = m[1];
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh browser (own cookies) signed in as `name`. */
async function signedIn(name, password = PASSWORD, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(`${server.base}/admin/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/admin/articles'), page.click('button[type=submit]')]);
  return page;
}

async function publicTitle(path) {
  const r = await fetch(`${server.base}${path}`);
  if (r.status !== 200) return null;
  const html = await r.text();
  return html.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1] ?? null;
}

test('submit, send back with a comment, resubmit, approve; staged edit, 更新发布, history and restore', async () => {
  const admin = await signedIn('admin', adminPassword);
  for (const [name, role] of [['tougao', 'contributor'], ['zhubian', 'chief']]) {
    await admin.goto(`${server.base}/admin/users`);
    await admin.fill('form[action="/admin/users"] input[name=name]', name);
    await admin.selectOption('form[action="/admin/users"] select[name=role]', role);
    await admin.fill('form[action="/admin/users"] input[name=password]', PASSWORD);
    await admin.click('form[action="/admin/users"] button[type=submit]');
    await admin.locator('.notice').waitFor();
  }
  await admin.goto(`${server.base}/admin/settings`);
  await admin.check('input[name=review_required]');
  await Promise.all([admin.waitForURL('**/admin/settings?notice=saved'), admin.click('button.primary')]);

  // The contributor writes and submits; there is no publish button for them.
  const author = await signedIn('tougao');
  await author.goto(`${server.base}/admin/articles/new`);
  await author.fill('input[name=title]', '投稿：分布式光伏整县推进');
  // Markdown, chosen with the 正文格式 switch (new articles open in the rich-text editor).
  await author.selectOption('#body-format', 'markdown');
  await author.fill('textarea[name=body]', '第一稿正文。\n');
  assert.equal(await author.locator('button[value=publish]').count(), 0);
  await Promise.all([author.waitForURL(/\/admin\/articles\/\d+\?notice=saved/), author.click('button[value=save]')]);
  const editUrl = author.url().split('?')[0];
  await Promise.all([author.waitForURL(/notice=submitted/), author.click('#submit-review')]);
  assert.equal(await author.locator('h1 .status').innerText(), '待审');

  // The chief finds it in the review queue and sends it back with a comment.
  const chief = await signedIn('zhubian');
  await chief.goto(`${server.base}/admin/review`);
  await Promise.all([chief.waitForURL(editUrl), chief.click('text=投稿：分布式光伏整县推进')]);
  await chief.fill('.send-back textarea[name=comment]', '请补充试点县的数量');
  await Promise.all([chief.waitForURL(/\/admin\/review\?notice=returned/), chief.click('#send-back')]);

  // The author sees the comment, revises and resubmits.
  await author.goto(editUrl);
  assert.equal(await author.locator('h1 .status').innerText(), '退回修改');
  assert.match(await author.locator('.review-comment').innerText(), /请补充试点县的数量/);
  await author.fill('textarea[name=body]', '第二稿正文：试点县 676 个。\n');
  await Promise.all([author.waitForURL(/notice=saved/), author.click('button[value=save]')]);
  await Promise.all([author.waitForURL(/notice=submitted/), author.click('#submit-review')]);

  // The chief approves; the article is public.
  await chief.goto(editUrl);
  await Promise.all([chief.waitForURL(/notice=published/), chief.click('#approve')]);
  const publicPath = await chief.locator('.page-head a[target=_blank]').getAttribute('href');
  assert.equal(await publicTitle(publicPath), '投稿：分布式光伏整县推进');

  // Edit the published article: staged, not public, until 更新发布.
  await chief.fill('input[name=title]', '分布式光伏整县推进：试点县 676 个');
  await chief.fill('textarea[name=body]', '第二稿正文：试点县 676 个，已完成备案。\n');
  await Promise.all([chief.waitForURL(/notice=staged/), chief.click('button[value=save]')]);
  assert.match(await chief.locator('.staged-note').innerText(), /尚未发布的修改/);
  assert.equal(await publicTitle(publicPath), '投稿：分布式光伏整县推进');
  await Promise.all([chief.waitForURL(/notice=published/), chief.click('button[value=publish]')]);
  assert.equal(await publicTitle(publicPath), '分布式光伏整县推进：试点县 676 个');

  // History: the diff of the newest revision, then restore the contributor's first draft.
  // Revisions: 1 and 2 the contributor's drafts, 3 the staged edit, 4 its 更新发布.
  await chief.click('text=修订历史');
  await chief.waitForURL(/\/revisions$/);
  assert.equal(await chief.locator('.revisions tbody tr').count(), 4);
  assert.match(await chief.locator('.diff .empty').innerText(), /相同/, '更新发布 changed nothing more');
  await chief.click('.revisions a:text("第 3 版")');
  await chief.waitForURL(/number=3/);
  await chief.locator('.diff-insert ins', { hasText: '已完成备案' }).waitFor();
  await chief.locator('.diff-delete', { hasText: '投稿：分布式光伏整县推进' }).waitFor();
  await chief.click('.revisions a:text("第 1 版")');
  await chief.waitForURL(/number=1/);
  await Promise.all([
    chief.waitForURL(/notice=revision_restored/),
    chief.click('.restore-revision[data-number="1"]'),
  ]);
  assert.equal(await chief.locator('input[name=title]').inputValue(), '投稿：分布式光伏整县推进');
  assert.equal(await publicTitle(publicPath), '分布式光伏整县推进：试点县 676 个', 'restore is staged');
  await Promise.all([chief.waitForURL(/notice=published/), chief.click('button[value=publish]')]);
  assert.equal(await publicTitle(publicPath), '投稿：分布式光伏整县推进');
  const body = await (await fetch(`${server.base}${publicPath}`)).text();
  assert.match(body, /第一稿正文/);

  // At 390 px the history and the review box fit the screen.
  const phone = await signedIn('zhubian', PASSWORD, { width: 390, height: 844 });
  for (const path of [`${new URL(editUrl).pathname}/revisions`, new URL(editUrl).pathname, '/admin/review']) {
    await phone.goto(`${server.base}${path}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${path} overflows by ${overflow}px at 390 px`);
  }
});
