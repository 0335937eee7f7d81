// Syntax highlighting of the chat's code blocks, by highlight.js (bundled by
// esbuild; only the languages a component is written in). highlight.js escapes
// the code it wraps in spans, so its output is safe to put in the page.

import hljs from 'highlight.js/lib/core';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';

hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('css', css);
hljs.registerLanguage('xml', xml);

const LANGUAGES: Record<string, string> = {
  jsx: 'javascript',
  js: 'javascript',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  react: 'javascript',
  tsx: 'typescript',
  ts: 'typescript',
  typescript: 'typescript',
  typescriptreact: 'typescript',
  css: 'css',
  scss: 'css',
  less: 'css',
  html: 'xml',
  xml: 'xml',
};

/** Highlights a <code> element once, by its block's language; other languages stay plain. */
export function highlightOnce(code: HTMLElement, lang: string | undefined): void {
  if (code.dataset.highlighted) return;
  code.dataset.highlighted = 'true';
  const language = LANGUAGES[lang ?? ''];
  if (!language) return;
  code.innerHTML = hljs.highlight(code.textContent ?? '', { language, ignoreIllegals: true }).value;
  code.classList.add('hljs');
}
