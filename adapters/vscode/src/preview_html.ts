// The preview panel's HTML, with its Content-Security-Policy. Pure and tested.
//
// The panel is a frame around the page the server's live preview serves (at
// the address asExternalUri gave, so it loads through code-server's proxy or
// a forwarded port as well). Its policy allows nothing but framing that one
// origin, its own nonce'd style and script: the page and the component's
// sandboxed frame inside it carry their own policies.
//
// The HTML is written once per origin; another session's page (same origin)
// is shown by a message to its script, which points the frame at it. The
// webview is not rebuilt each time: that reload sometimes left the previous
// session's page on screen in code-server.

import { escapeHtml } from './markdown';

export type PreviewContent =
  | { kind: 'page'; url: string }
  | { kind: 'message'; text: string };

/** What the extension posts to the panel's script: show this content. */
export type PreviewMessage = { type: 'show'; content: PreviewContent };

export function previewContentSecurityPolicy(frameOrigin: string | undefined, nonce: string): string {
  return [
    "default-src 'none'",
    `frame-src ${frameOrigin ?? "'none'"}`,
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The origin of an http(s) URL, for frame-src; undefined for anything else. */
export function httpOrigin(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
}

/** The origin a content needs framed, if any. */
export function contentOrigin(content: PreviewContent): string | undefined {
  return content.kind === 'page' ? httpOrigin(content.url) : undefined;
}

/**
 * The panel's script: shows what the extension posts, never what the framed
 * page (or its frame) posts, and keeps it in the webview's state, which VS Code
 * gives back when it reloads the same HTML (the panel moved to another editor
 * group); new HTML (another origin) starts afresh.
 */
const SCRIPT = `
const vscode = acquireVsCodeApi();
const render = document.body.dataset.render;
const frame = document.getElementById('preview');
const message = document.getElementById('message');
function insidePreview(source) {
  for (let w = source; w; w = w.parent === w ? null : w.parent) if (w === frame.contentWindow) return true;
  return false;
}
function show(content) {
  vscode.setState({ render, content });
  if (content.kind === 'page') {
    message.hidden = true;
    frame.hidden = false;
    if (frame.getAttribute('src') !== content.url) frame.setAttribute('src', content.url);
  } else {
    frame.hidden = true;
    frame.removeAttribute('src');
    message.textContent = content.text;
    message.hidden = false;
  }
}
window.addEventListener('message', (event) => {
  const m = event.data;
  if (!insidePreview(event.source) && m && m.type === 'show' && m.content) show(m.content);
});
const kept = vscode.getState();
if (kept && kept.render === render) show(kept.content);
`;

/** `nonce` is fresh for each render. */
export function previewHtml(content: PreviewContent, nonce: string): string {
  const origin = contentOrigin(content);
  const csp = escapeHtml(previewContentSecurityPolicy(origin, nonce));
  const page = content.kind === 'page' && origin !== undefined;
  const text = content.kind === 'message' ? content.text : `Not an http(s) address: ${content.url}`;
  // allow-same-origin: the page reads its own data from its server; the
  // component runs in a frame of the page's, sandboxed without it.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${escapeHtml(nonce)}">
html, body { margin: 0; padding: 0; height: 100%; overflow: hidden; }
#preview { border: 0; width: 100%; height: 100%; background: white; }
#message { padding: 1em; }
</style>
<title>AI Editor Preview</title>
</head>
<body data-render="${escapeHtml(nonce)}">
<iframe id="preview"${page ? ` src="${escapeHtml(content.url)}"` : ' hidden'} sandbox="allow-scripts allow-same-origin" title="Component preview"></iframe>
<p id="message"${page ? ' hidden' : ''}>${page ? '' : escapeHtml(text)}</p>
<script nonce="${escapeHtml(nonce)}">${SCRIPT}</script>
</body>
</html>
`;
}
