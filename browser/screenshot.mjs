// Screenshots of the seed article page at phone (390 px) and desktop (1280 px) widths, for a
// person to look at. Usage: node browser/screenshot.mjs [OUT_DIR]   (default: ./screenshots)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, startServer } from './lib.mjs';

const out = process.argv[2] || 'screenshots';
mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launchChromium();
try {
  const home = await (await fetch(`${server.base}/channels/nev`)).text();
  const match = home.match(/href="(\/articles\/[^"]+)"[^>]*>合肥丨/);
  if (!match) throw new Error('seed article not found on /channels/nev');
  for (const [name, width, height] of [['phone-390', 390, 844], ['desktop-1280', 1280, 900]]) {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    await page.goto(server.base + match[1], { waitUntil: 'networkidle' });
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scrollWidth > width) console.warn(`${name}: horizontal scroll (${scrollWidth}px > ${width}px)`);
    const file = join(out, `seed-article-${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
