// The newsroom's rich-text editor: Tiptap (ProseMirror) on the article form's body textarea.
// The textarea stays the form field: the editor writes its HTML there on every change (and fires
// `input`, so admin.js's server-rendered preview follows), the server sanitizes it with the public
// page's rules. The 正文格式 switch turns the same field into Markdown (converted by Turndown) and
// back (rendered by the server's preview). Pastes are cleaned by paste.js first.
import { Editor, mergeAttributes } from '@tiptap/core';
import { StarterKit } from '@tiptap/starter-kit';
import { Image } from '@tiptap/extension-image';
import { Table, TableKit } from '@tiptap/extension-table';
import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';
import { cleanPastedHtml } from './paste.js';

// Tables without the column-width styles Tiptap writes: the CSP forbids style attributes, the
// public page ignores them (sanitized) and tables there size to their content.
const PlainTable = Table.extend({
  renderHTML({ HTMLAttributes }) {
    return ['table', mergeAttributes(this.options.HTMLAttributes, HTMLAttributes), ['tbody', 0]];
  },
}).configure({ resizable: false });

const TOOLS = [
  ['paragraph', '正文', '段落'],
  ['h2', '标题2', '二级标题'],
  ['h3', '标题3', '三级标题'],
  ['h4', '标题4', '四级标题'],
  ['bold', 'B', '加粗'],
  ['italic', 'I', '斜体'],
  ['bulletList', '• 列表', '无序列表'],
  ['orderedList', '1. 列表', '有序列表'],
  ['blockquote', '引用', '引用'],
  ['link', '链接', '添加或去掉链接'],
  ['table', '表格', '插入表格'],
  ['rowAfter', '+行', '在下方加一行'],
  ['colAfter', '+列', '在右侧加一列'],
  ['deleteRow', '−行', '删除当前行'],
  ['deleteCol', '−列', '删除当前列'],
  ['deleteTable', '删表', '删除表格'],
  ['undo', '撤销', '撤销'],
  ['redo', '重做', '重做'],
];

function run(editor, cmd) {
  const c = editor.chain().focus();
  switch (cmd) {
    case 'paragraph': return c.setParagraph().run();
    case 'h2': return c.toggleHeading({ level: 2 }).run();
    case 'h3': return c.toggleHeading({ level: 3 }).run();
    case 'h4': return c.toggleHeading({ level: 4 }).run();
    case 'bold': return c.toggleBold().run();
    case 'italic': return c.toggleItalic().run();
    case 'bulletList': return c.toggleBulletList().run();
    case 'orderedList': return c.toggleOrderedList().run();
    case 'blockquote': return c.toggleBlockquote().run();
    case 'link': {
      const previous = editor.getAttributes('link').href || '';
      const url = window.prompt('链接地址（留空则去掉链接）', previous || 'https://');
      if (url === null) return false;
      if (url.trim() === '' || url.trim() === 'https://') return c.extendMarkRange('link').unsetLink().run();
      return c.extendMarkRange('link').setLink({ href: url.trim() }).run();
    }
    case 'table': return c.insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run();
    case 'rowAfter': return c.addRowAfter().run();
    case 'colAfter': return c.addColumnAfter().run();
    case 'deleteRow': return c.deleteRow().run();
    case 'deleteCol': return c.deleteColumn().run();
    case 'deleteTable': return c.deleteTable().run();
    case 'undo': return c.undo().run();
    case 'redo': return c.redo().run();
    default: return false;
  }
}

function isActive(editor, cmd) {
  switch (cmd) {
    case 'h2': return editor.isActive('heading', { level: 2 });
    case 'h3': return editor.isActive('heading', { level: 3 });
    case 'h4': return editor.isActive('heading', { level: 4 });
    case 'bold': case 'italic': case 'bulletList': case 'orderedList': case 'blockquote': case 'link':
      return editor.isActive(cmd);
    default: return null;
  }
}

const TABLE_ONLY = new Set(['rowAfter', 'colAfter', 'deleteRow', 'deleteCol', 'deleteTable']);

function pasteNotice(report) {
  const status = document.getElementById('upload-status');
  if (status && report.droppedImages) {
    status.textContent = `粘贴内容中有 ${report.droppedImages} 张图片只在您的电脑上（如 Word 文档里的图片），无法随文字粘贴；请用“插入图片到正文”上传。`;
  }
}

const IMAGE_TYPES = /^image\/(jpeg|png|webp|gif)$/;

/** Picture files pasted or dropped (a screenshot, a file from the desktop) are uploaded like
 *  **插入图片到正文** and inserted where they landed. HTML on the clipboard wins: copying a picture
 *  from a web page carries both, and the page's markup places it. */
function imageFiles(data) {
  if (!data || data.getData('text/html')) return [];
  return Array.from(data.files || []).filter((f) => IMAGE_TYPES.test(f.type));
}

function uploadInto(editor, files, pos) {
  const upload = window.newsdeskUploadImage;
  const status = document.getElementById('upload-status');
  if (!upload) return;
  files.reduce((chain, file) => chain.then(() => upload(file)).then((j) => {
    const at = pos ?? editor.state.selection.from;
    editor.chain().focus().insertContentAt(at, { type: 'image', attrs: { src: j.url, alt: '' } }).run();
    if (status) status.textContent = `已插入图片 ${j.url}`;
  }), Promise.resolve()).catch((err) => {
    if (status) status.textContent = String(err.message || err);
  });
}

function mount(textarea, html) {
  const wrap = document.createElement('div');
  wrap.className = 'rich-editor';
  const bar = document.createElement('div');
  bar.className = 'rich-toolbar';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', '正文格式工具');
  const area = document.createElement('div');
  area.className = 'rich-area';
  wrap.append(bar, area);
  textarea.after(wrap);
  textarea.hidden = true;

  const indent = textarea.getAttribute('data-indent') === '1';
  const editor = new Editor({
    element: area,
    // The admin's CSP forbids inline <style>; the base rules are in admin.css.
    injectCSS: false,
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3, 4] },
        code: false,
        codeBlock: false,
        link: { openOnClick: false, autolink: true, defaultProtocol: 'https' },
      }),
      Image.configure({ inline: false }),
      TableKit.configure({ table: false }),
      PlainTable,
    ],
    content: html,
    editorProps: {
      attributes: {
        class: `article-body rich-content${indent ? ' indent-first-line' : ''}`,
        'aria-label': '正文',
        'aria-multiline': 'true',
        role: 'textbox',
      },
      handlePaste(view, event) {
        const files = imageFiles(event.clipboardData);
        if (!files.length) return false;
        event.preventDefault();
        uploadInto(editor, files, null);
        return true;
      },
      handleDrop(view, event, slice, moved) {
        const files = moved ? [] : imageFiles(event.dataTransfer);
        if (!files.length) return false;
        event.preventDefault();
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        uploadInto(editor, files, at ? at.pos : null);
        return true;
      },
      transformPastedHTML(pasted) {
        const report = {};
        const clean = cleanPastedHtml(pasted, report);
        pasteNotice(report);
        return clean;
      },
    },
  });

  const buttons = TOOLS.map(([cmd, label, title]) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.dataset.cmd = cmd;
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', () => run(editor, cmd));
    bar.appendChild(b);
    return b;
  });
  const sync = () => {
    textarea.value = editor.isEmpty ? '' : editor.getHTML();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const states = () => {
    const inTable = editor.isActive('table');
    for (const b of buttons) {
      const on = isActive(editor, b.dataset.cmd);
      if (on !== null) b.setAttribute('aria-pressed', on ? 'true' : 'false');
      if (TABLE_ONLY.has(b.dataset.cmd)) b.hidden = !inTable;
    }
  };
  editor.on('update', sync);
  editor.on('transaction', states);
  states();
  // Stored bodies may come from older editors: what is saved is what the editor shows.
  textarea.value = editor.isEmpty ? '' : editor.getHTML();
  return {
    editor,
    destroy() {
      editor.destroy();
      wrap.remove();
      textarea.hidden = false;
    },
  };
}

function toMarkdown(html) {
  const td = new TurndownService({ headingStyle: 'atx', bulletListMarker: '-', emDelimiter: '*' });
  td.use(gfm);
  // Tight lists with one space after the marker, as people type them.
  td.addRule('listItem', {
    filter: 'li',
    replacement(content, node, options) {
      const parent = node.parentNode;
      let prefix = `${options.bulletListMarker} `;
      if (parent.nodeName === 'OL') {
        const start = Number(parent.getAttribute('start') || 1);
        prefix = `${start + Array.prototype.indexOf.call(parent.children, node)}. `;
      }
      const text = content.trim().replace(/\n\s*\n/g, '\n').replace(/\n/g, `\n${' '.repeat(prefix.length)}`);
      return `${prefix}${text}\n`;
    },
  });
  // The editor's table sizing and the paragraphs inside cells mean nothing in Markdown; a table
  // without a header row stays HTML (Markdown tables need one), which the renderer accepts.
  const doc = new DOMParser().parseFromString(html || '', 'text/html');
  doc.querySelectorAll('colgroup').forEach((el) => el.remove());
  doc.querySelectorAll('[style]').forEach((el) => el.removeAttribute('style'));
  doc.querySelectorAll('td, th').forEach((cell) => {
    const paras = Array.from(cell.children).filter((c) => c.tagName === 'P');
    paras.forEach((p, i) => {
      if (i > 0) p.before(doc.createElement('br'));
      p.replaceWith(...p.childNodes);
    });
  });
  return td.turndown(doc.body.innerHTML);
}

function renderMarkdown(source) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const form = new URLSearchParams();
  form.set('body', source);
  form.set('format', 'markdown');
  return fetch('/admin/preview', {
    method: 'POST',
    headers: {
      'X-CSRF-Token': meta ? meta.getAttribute('content') : '',
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
    credentials: 'same-origin',
  }).then((r) => r.text().then((t) => {
    if (!r.ok) throw new Error(`转换失败（${r.status}）：${t}`);
    return t;
  }));
}

function start() {
  const textarea = document.getElementById('body');
  const select = document.getElementById('body-format');
  if (!textarea || !select) return;
  const status = document.getElementById('upload-status');
  let current = null;
  const api = {
    /** Inserts an uploaded image at the cursor; false when the rich editor is not in use. */
    insertImage(src, alt) {
      if (!current) return false;
      current.editor.chain().focus().setImage({ src, alt: alt || '' }).run();
      return true;
    },
    get editor() { return current && current.editor; },
  };
  window.newsdeskEditor = api;
  if (select.value === 'html') current = mount(textarea, textarea.value);

  // In the Markdown box, a paste that carries HTML (Word, WPS, a web page) is cleaned like the
  // editor's and inserted as Markdown, so its paragraphs, headings, lists and tables survive.
  textarea.addEventListener('paste', (e) => {
    if (current || !e.clipboardData) return;
    const pasted = e.clipboardData.getData('text/html');
    if (!pasted) return;
    e.preventDefault();
    const report = {};
    const md = toMarkdown(cleanPastedHtml(pasted, report));
    pasteNotice(report);
    const start = textarea.selectionStart;
    const before = textarea.value.slice(0, start);
    const gap = before && !before.endsWith('\n\n') ? (before.endsWith('\n') ? '\n' : '\n\n') : '';
    textarea.setRangeText(`${gap}${md}\n\n`, start, textarea.selectionEnd, 'end');
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  });

  select.addEventListener('change', () => {
    if (select.value === 'markdown' && current) {
      const md = toMarkdown(current.editor.isEmpty ? '' : current.editor.getHTML());
      current.destroy();
      current = null;
      textarea.value = md;
      textarea.setAttribute('data-format', 'markdown');
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
    } else if (select.value === 'html' && !current) {
      const source = textarea.value;
      const ready = source.trim() ? renderMarkdown(source) : Promise.resolve('');
      select.disabled = true;
      ready.then((html) => {
        current = mount(textarea, html);
        textarea.setAttribute('data-format', 'html');
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
      }).catch((err) => {
        select.value = 'markdown';
        if (status) status.textContent = String(err.message || err);
      }).finally(() => { select.disabled = false; });
    }
  });
  // The select is disabled while converting; a disabled field is not submitted, so say it again.
  textarea.form?.addEventListener('submit', () => {
    if (current) textarea.value = current.editor.isEmpty ? '' : current.editor.getHTML();
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
