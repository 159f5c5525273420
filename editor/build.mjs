// Builds crates/newsdesk/theme/static/editor.js: src/editor.js and the npm packages it imports
// (versions pinned in package-lock.json), bundled by esbuild into one minified file with a header
// naming each package, its version and licence. Run after `npm ci`:  node build.mjs
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'crates', 'newsdesk', 'theme', 'static', 'editor.js');

const result = await build({
  entryPoints: [join(here, 'src', 'editor.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  metafile: true,
  write: false,
  outfile: out,
});

// Every package that ended up in the bundle, for the header.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (!m || packages.has(m[1])) continue;
  const meta = JSON.parse(readFileSync(join(here, 'node_modules', m[1], 'package.json'), 'utf8'));
  packages.set(m[1], `${meta.name}@${meta.version} (${meta.license})`);
}
const header = `/*! newsdesk rich-text editor, built by editor/build.mjs from editor/src/ and:\n${
  [...packages.values()].sort().map((p) => ` *   ${p}`).join('\n')}\n * Licence texts: each package in node_modules after \`npm ci\` in editor/. */\n`;
const { writeFileSync } = await import('node:fs');
writeFileSync(out, header + result.outputFiles[0].text);
console.log(`wrote ${out} (${(result.outputFiles[0].contents.length / 1024).toFixed(0)} KiB, ${packages.size} packages)`);
