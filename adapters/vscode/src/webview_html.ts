// The chat webview's HTML, with its Content-Security-Policy. Pure and tested.
//
// The policy allows nothing by default. Scripts run only with this page's
// nonce, styles and fonts come only from the extension (cspSource), and images
// only from the extension or data: URIs (pasted or attached images). No remote
// resource can load.

import { escapeHtml } from './markdown';

export interface ChatHtmlInputs {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh random nonce for this page. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function chatHtml(i: ChatHtmlInputs): string {
  const csp = escapeHtml(contentSecurityPolicy(i.cspSource, i.nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(i.styleUri)}">
<title>AI Editor Chat</title>
</head>
<body>
<header class="topbar">
  <span id="session" class="session" title="Session">No session</span>
  <span id="generating" class="generating hidden" aria-live="polite"></span>
  <span id="status" class="status" role="status" aria-live="polite"></span>
</header>
<main id="log" class="log" aria-label="Conversation">
  <div id="older" class="older hidden"></div>
  <div id="messages" class="messages"></div>
  <div id="empty" class="empty">
    <p>Describe a component below to get started, or open an earlier session.</p>
    <button id="open-session" type="button" class="secondary">Open Session…</button>
  </div>
</main>
<div id="error" class="error hidden" role="alert">
  <span id="error-text"></span>
  <button id="retry" type="button" class="hidden" title="Send the same prompt again">Retry</button>
</div>
<form id="composer" class="composer">
  <div id="attachments" class="attachments"></div>
  <textarea id="prompt" rows="3" placeholder="Describe a component… (Enter sends, Shift+Enter adds a line; paste an image to attach it)" aria-label="Prompt"></textarea>
  <div class="actions">
    <button id="add-selection" type="button" class="secondary" title="Add the editor's selection, or its whole file, to the prompt">Add selection</button>
    <button id="attach" type="button" class="secondary" title="Attach an image">Attach image</button>
    <button id="cancel" type="button" class="secondary hidden" title="Cancel the running request">Cancel</button>
    <button id="send" type="submit">Send</button>
  </div>
</form>
<script nonce="${escapeHtml(i.nonce)}" src="${escapeHtml(i.scriptUri)}"></script>
</body>
</html>
`;
}
