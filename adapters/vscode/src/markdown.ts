// A small, safe markdown renderer for chat messages, and the code-block
// extraction behind "Insert JSX" / "Insert CSS". Pure: used in the webview and
// tested under node.
//
// Safety: every piece of source text is HTML-escaped before it is wrapped in
// tags, and the only attribute made from source text is a link's href, which
// must be http(s). Raw HTML in a message is shown as text, never rendered.

export interface CodeBlock {
  /** The info string's first word, lower-cased ("" when absent). */
  lang: string;
  code: string;
  /** False for a fence still open at the end of the text (a reply mid-stream). */
  closed: boolean;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

interface Fence {
  marker: string;
  lang: string;
}

function openFence(line: string): Fence | undefined {
  const m = FENCE_OPEN.exec(line);
  if (!m) return undefined;
  return { marker: m[1], lang: m[2].toLowerCase() };
}

function closesFence(line: string, fence: Fence): boolean {
  const t = line.trim();
  return t.length >= fence.marker.length && t[0] === fence.marker[0] && /^(`+|~+)$/.test(t) && t.startsWith(fence.marker);
}

/** Every fenced code block in `text`, in order. */
export function extractCodeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split(/\r?\n/);
  let fence: Fence | undefined;
  let body: string[] = [];
  for (const line of lines) {
    if (!fence) {
      fence = openFence(line);
      body = [];
    } else if (closesFence(line, fence)) {
      blocks.push({ lang: fence.lang, code: body.join('\n'), closed: true });
      fence = undefined;
    } else {
      body.push(line);
    }
  }
  if (fence) blocks.push({ lang: fence.lang, code: body.join('\n'), closed: false });
  return blocks;
}

export type CodeKind = 'jsx' | 'css';

const LANGS: Record<CodeKind, readonly string[]> = {
  jsx: ['jsx', 'tsx', 'javascript', 'js', 'typescript', 'ts', 'javascriptreact', 'typescriptreact', 'react'],
  css: ['css', 'scss', 'less'],
};

/**
 * The JSX or CSS of a reply: its closed code blocks of that kind, joined by a
 * blank line. Undefined when the reply has none.
 */
export function codeOfKind(text: string, kind: CodeKind): string | undefined {
  const parts = extractCodeBlocks(text)
    .filter((b) => b.closed && LANGS[kind].includes(b.lang))
    .map((b) => b.code);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Which kind a fence's language is: jsx, css, or its own language. */
export function codeKindOf(lang: string): string {
  if (LANGS.jsx.includes(lang)) return 'jsx';
  if (LANGS.css.includes(lang)) return 'css';
  return lang;
}

/** Which kind of code an editor holds, from its language id and file name. */
export function kindForDocument(languageId: string, fileName: string): CodeKind {
  if (LANGS.css.includes(languageId.toLowerCase())) return 'css';
  if (/\.(css|scss|less)$/i.test(fileName)) return 'css';
  return 'jsx';
}

// ---- rendering ----------------------------------------------------------------

function safeHref(url: string): string | undefined {
  return /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : undefined;
}

/** Inline markdown: code spans, links, bold, italic. Escapes everything else. */
export function renderInline(text: string): string {
  let out = '';
  let i = 0;
  // Code spans first: their content is literal.
  const re = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out += emphasis(escapeHtml(text.slice(i, m.index)));
    if (m[1] !== undefined) {
      out += `<code>${escapeHtml(m[2].trim() === '' ? m[2] : m[2].replace(/^ (.*) $/s, '$1'))}</code>`;
    } else {
      const href = safeHref(m[4]);
      const label = emphasis(escapeHtml(m[3]));
      out += href ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    }
    i = m.index + m[0].length;
  }
  out += emphasis(escapeHtml(text.slice(i)));
  return out;
}

/** Bold and italic on already escaped text (the markers are not escaped characters). */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>')
    .replace(/__(?=\S)([\s\S]*?\S)__/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?![*\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^_\w])_(?=\S)([^_]*?\S)_(?![_\w])/g, '$1<em>$2</em>');
}

/** What a collapsed code block is called: "PricingCard.jsx" when its JSX names a component, else its language. */
export function codeBlockName(block: CodeBlock): string {
  if (LANGS.jsx.includes(block.lang)) {
    const name = /export\s+default\s+function\s+([A-Z][A-Za-z0-9_]*)/.exec(block.code) ?? /function\s+([A-Z][A-Za-z0-9_]*)/.exec(block.code);
    if (name) return `${name[1]}.${block.lang === 'tsx' || block.lang.startsWith('type') ? 'tsx' : 'jsx'}`;
  }
  return block.lang ? block.lang.toUpperCase() : 'Code';
}

function lineCount(code: string): string {
  const n = code === '' ? 0 : code.split('\n').length;
  return `${n} line${n === 1 ? '' : 's'}`;
}

export interface RenderOptions {
  /** Code blocks collapse to one line with Show, Copy, Diff (and Apply for JSX and CSS): for replies. */
  codeActions?: boolean;
}

function codeBlockHtml(block: CodeBlock, index: number, options: RenderOptions): string {
  const langClass = block.lang ? ` class="language-${escapeHtml(block.lang)}"` : '';
  const langAttr = block.lang ? ` data-lang="${escapeHtml(block.lang)}"` : '';
  const pre = `<pre class="code-block"${langAttr}><code${langClass}>${escapeHtml(block.code)}</code></pre>`;
  if (!options.codeActions) return pre;
  const applies = block.closed && (LANGS.jsx.includes(block.lang) || LANGS.css.includes(block.lang));
  const button = (action: string, label: string, title: string) =>
    `<button type="button" class="secondary code-${action}" data-code="${action}" title="${title}">${label}</button>`;
  return (
    `<div class="code" data-index="${index}"${langAttr}>` +
    `<div class="code-head"><span class="code-name">${escapeHtml(codeBlockName(block))} · ${lineCount(block.code)}${block.closed ? '' : '…'}</span>` +
    button('show', 'Show', 'Show the code') +
    (block.closed ? button('copy', 'Copy', 'Copy the code') + button('diff', 'Diff', 'Compare with the same kind of code in the reply before') : '') +
    (applies ? button('apply', 'Apply', 'Write the component to its files, after a diff') : '') +
    `</div>${pre.replace('<pre class="code-block"', '<pre class="code-block hidden"')}</div>`
  );
}

/** Renders markdown to HTML. Handles partial input: an open fence renders as code. */
export function renderMarkdown(text: string, options: RenderOptions = {}): string {
  let blocks = 0;
  const lines = text.split(/\r?\n/);
  const html: string[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;

  const flushPara = () => {
    if (para.length > 0) html.push(`<p>${para.map(renderInline).join('<br>')}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) {
      const tag = list.ordered ? 'ol' : 'ul';
      html.push(`<${tag}>${list.items.map((it) => `<li>${renderInline(it)}</li>`).join('')}</${tag}>`);
    }
    list = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = openFence(line);
    if (fence) {
      flushPara();
      flushList();
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (closesFence(lines[i], fence)) {
          closed = true;
          break;
        }
        body.push(lines[i]);
      }
      html.push(codeBlockHtml({ lang: fence.lang, code: body.join('\n'), closed }, blocks++, options));
      continue;
    }
    if (line.trim() === '') {
      flushPara();
      flushList();
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flushPara();
      flushList();
      const level = heading[1].length;
      html.push(`<h${level}>${renderInline(heading[2])}</h${level}>`);
      continue;
    }
    const bullet = /^ {0,3}[-*+]\s+(.*)$/.exec(line);
    const numbered = /^ {0,3}\d{1,9}[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      flushPara();
      const ordered = !bullet;
      if (list && list.ordered !== ordered) flushList();
      if (!list) list = { ordered, items: [] };
      list.items.push((bullet ?? numbered)![1]);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last list item.
      list.items[list.items.length - 1] += ' ' + line.trim();
      continue;
    }
    flushList();
    para.push(line);
  }
  flushPara();
  flushList();
  return html.join('\n');
}
