// Clean paste: what Word, WPS, WeChat articles and government pages put on the clipboard, reduced
// to structure before ProseMirror reads it against the editor's schema (which by itself already
// drops every tag and mark it has no rule for). Done here: Word's list paragraphs become real
// lists, lazy-loaded images get their real address, Office conditional markup, comments, hidden
// and empty blocks go, indents typed as spaces go (the site indents by CSS), and every style,
// class, font and event attribute is removed.

const DROP = 'script, style, meta, link, title, xml, template, iframe, object, embed, noscript, o\\:p, v\\:shapetype, v\\:imagedata';
const KEEP_ATTRS = {
  A: ['href', 'title'],
  IMG: ['src', 'alt', 'title'],
  TD: ['colspan', 'rowspan'],
  TH: ['colspan', 'rowspan'],
  OL: ['start'],
};

/** The pasted HTML, cleaned. Runs in the page (DOMParser), never executes what it reads.
 *  `report.droppedImages` counts pictures the clipboard only pointed at (Word's local files,
 *  inline data), so the editor can say they need uploading. */
export function cleanPastedHtml(html, report = {}) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  if (!body) return html;
  removeComments(doc, body);
  body.querySelectorAll(DROP).forEach((el) => el.remove());
  report.droppedImages = realImages(body);
  wordLists(doc, body);
  // Word's list markers left outside lists, and anything the source hid.
  body.querySelectorAll('[style]').forEach((el) => {
    if (isMarker(el) || el.getAttribute('style').toLowerCase().replace(/\s+/g, '').includes('display:none')) el.remove();
  });
  wordTitles(doc, body);
  headings(doc, body);
  stripAttributes(body);
  unindent(body);
  dropEmpty(body);
  simplify(doc, body);
  return body.innerHTML;
}

const INLINE_OK = new Set(['A', 'IMG', 'STRONG', 'B', 'EM', 'I', 'U', 'S', 'BR', 'SUB', 'SUP']);
const BLOCK_OK = new Set(['P', 'H2', 'H3', 'H4', 'UL', 'OL', 'LI', 'TABLE', 'THEAD', 'TBODY', 'TFOOT',
  'TR', 'TD', 'TH', 'BLOCKQUOTE', 'HR', 'IMG']);
const WRAPPERS = new Set(['SECTION', 'DIV', 'ARTICLE', 'CENTER', 'HEADER', 'FOOTER', 'ASIDE', 'MAIN',
  'FIGURE', 'FIGCAPTION', 'ADDRESS', 'DL', 'DT', 'DD', 'PRE', 'BODY']);

/** Only the tags the article body uses remain (the Markdown box has no schema to drop the rest):
 *  spans, fonts and anchors without a link give way to their text; a wrapper (WeChat's sections,
 *  a CMS's divs) holding only text becomes a paragraph, one holding blocks gives way to them;
 *  bold inside a heading is the heading's own weight. Deepest first, so wrappers see the result. */
function simplify(doc, body) {
  for (const el of Array.from(body.querySelectorAll('*')).reverse()) {
    const tag = el.tagName;
    const keep = (INLINE_OK.has(tag) && !(tag === 'A' && !el.hasAttribute('href'))) || BLOCK_OK.has(tag);
    const boldInHeading = (tag === 'B' || tag === 'STRONG') && el.closest('h2, h3, h4');
    if (keep && !boldInHeading) continue;
    if (WRAPPERS.has(tag)) {
      const blocks = Array.from(el.children).some((c) => BLOCK_OK.has(c.tagName) || WRAPPERS.has(c.tagName));
      if (!blocks && !el.closest('p, li, td, th, h2, h3, h4')) {
        const p = doc.createElement('p');
        p.append(...el.childNodes);
        el.replaceWith(p);
        continue;
      }
    }
    el.replaceWith(...el.childNodes);
  }
}

/** Word's list marker: `<span style='mso-list:Ignore'>1.<span>&nbsp;…</span></span>`. */
function isMarker(el) {
  return (el.getAttribute('style') || '').toLowerCase().replace(/\s+/g, '').includes('mso-list:ignore');
}

function removeComments(doc, root) {
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
  const found = [];
  while (walker.nextNode()) found.push(walker.currentNode);
  found.forEach((c) => c.remove());
}

/** WeChat (and many CMSs) load images lazily: the real address is in data-src. */
function realImages(body) {
  let dropped = 0;
  body.querySelectorAll('img').forEach((img) => {
    const real = img.getAttribute('data-src') || img.getAttribute('data-original') || img.getAttribute('_src');
    if (real && /^(https?:)?\/\//i.test(real)) img.setAttribute('src', real);
    const src = img.getAttribute('src') || '';
    // Word's local file:// pictures and placeholders cannot be shown to anyone.
    if (!src || /^(file:|data:|blob:)/i.test(src)) {
      img.remove();
      dropped += 1;
    }
  });
  return dropped;
}

/** Word and WPS write list items as paragraphs styled `mso-list:l0 level1 lfo1` with the marker
 *  as text; consecutive ones become one list (nested by level), ordered when the marker is a
 *  number or a Chinese numeral. */
function wordLists(doc, body) {
  const items = Array.from(body.querySelectorAll('p[style*="mso-list"], p[class*="MsoList"]'));
  const seen = new Set();
  for (const first of items) {
    if (seen.has(first)) continue;
    const run = [first];
    let next = first.nextElementSibling;
    while (next && items.includes(next)) { run.push(next); next = next.nextElementSibling; }
    run.forEach((p) => seen.add(p));
    const stack = [];
    const anchor = doc.createElement('div');
    first.before(anchor);
    for (const p of run) {
      const style = p.getAttribute('style') || '';
      const level = Number((style.match(/level(\d+)/) || [])[1] || 1);
      // The marker is Word's own (an Ignore span, removed here) or typed as text (stripped below).
      const own = Array.from(p.querySelectorAll('[style]')).find(isMarker);
      const ownText = own ? own.textContent.replace(/[\s\u00a0]+/g, '') : '';
      if (own) own.remove();
      const text = (ownText ? `${ownText} ` : '') + p.textContent.replace(/^[\s\u00a0]+/, '');
      const marker = text.match(/^([（(]?[0-9一二三四五六七八九十]+[)）.、．]|[a-zA-Z][.)])\s*/);
      const bullet = text.match(/^[·•▪■◆●○§o\u00b7\uf0b7\uf0a7\uf0d8]\s*/);
      while (stack.length > level) stack.pop();
      while (stack.length < level) {
        const list = doc.createElement(marker ? 'ol' : 'ul');
        if (stack.length) {
          const parentLi = stack[stack.length - 1].lastElementChild || stack[stack.length - 1].appendChild(doc.createElement('li'));
          parentLi.appendChild(list);
        } else {
          anchor.appendChild(list);
        }
        stack.push(list);
      }
      const li = doc.createElement('li');
      li.innerHTML = p.innerHTML;
      // A marker typed as text (the Ignore span already removed it when it was Word's own).
      const strip = marker || bullet;
      if (strip && !own) stripLeadingText(li, strip[0].length);
      stack[stack.length - 1].appendChild(li);
      p.remove();
    }
    anchor.replaceWith(...anchor.childNodes);
  }
}

function stripLeadingText(el, n) {
  const walker = el.ownerDocument.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let left = n;
  while (left > 0 && walker.nextNode()) {
    const t = walker.currentNode;
    const lead = t.data.match(/^[\s\u00a0]*/)[0].length;
    const cut = Math.min(t.data.length, lead + left);
    left -= cut - lead;
    t.data = t.data.slice(cut);
  }
}

/** Word's title styles as headings. */
function wordTitles(doc, body) {
  body.querySelectorAll('p.MsoTitle, p.MsoSubtitle').forEach((p) => {
    const h = doc.createElement(p.classList.contains('MsoTitle') ? 'h1' : 'h2');
    h.innerHTML = p.innerHTML;
    p.replaceWith(h);
  });
}

/** The article's own title is the page's h1, so pasted headings move down a level when the
 *  source used h1; levels past h4 become h4 (the editor offers 二级–四级). */
function headings(doc, body) {
  const shift = body.querySelector('h1') ? 1 : 0;
  body.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach((h) => {
    const level = Math.min(4, Math.max(2, Number(h.tagName[1]) + shift));
    if (h.tagName === `H${level}`) return;
    const n = doc.createElement(`h${level}`);
    n.innerHTML = h.innerHTML;
    h.replaceWith(n);
  });
}

function stripAttributes(body) {
  body.querySelectorAll('*').forEach((el) => {
    const keep = KEEP_ATTRS[el.tagName] || [];
    for (const { name } of Array.from(el.attributes)) {
      if (!keep.includes(name.toLowerCase())) el.removeAttribute(name);
    }
    if (el.tagName === 'A' && /^\s*(javascript|vbscript|data):/i.test(el.getAttribute('href') || '')) {
      el.removeAttribute('href');
    }
    // Word writes colspan="1" everywhere; only real spans matter.
    for (const a of ['colspan', 'rowspan']) {
      if (el.getAttribute(a) === '1') el.removeAttribute(a);
    }
  });
}

/** Indents typed as full-width or no-break spaces at a paragraph's start (government pages do
 *  "　　正文"): the site's CSS indents instead. */
function unindent(body) {
  body.querySelectorAll('p, li, td, th, h2, h3, h4').forEach((el) => {
    const walker = el.ownerDocument.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const t = walker.currentNode;
      const trimmed = t.data.replace(/^[\s\u00a0\u3000]+/, '');
      t.data = trimmed;
      if (trimmed) break;
    }
  });
}

/** Paragraphs and wrappers with no text and no image (Word's `<o:p>&nbsp;</o:p>` lines, WeChat's
 *  spacer sections), and spans without attributes left empty. */
function dropEmpty(body) {
  const blocks = Array.from(body.querySelectorAll('p, section, div, span, h2, h3, h4, li, blockquote')).reverse();
  for (const el of blocks) {
    if (el.querySelector('img, table')) continue;
    if (el.textContent.replace(/[\s\u00a0\u3000\u200b]/g, '') === '') el.remove();
  }
}
