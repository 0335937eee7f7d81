// The chat webview's script. It keeps a copy of the host's ChatState, applies
// the host's ChatOps with the same reducer, and renders. All text goes through
// renderMarkdown/escapeHtml; no remote resource is ever requested.

import { applyOp, emptyState, type ChatMessage, type ChatOp, type ChatState } from '../chat_model';
import { codeOfKind, escapeHtml, renderMarkdown } from '../markdown';
import { formatClock, formatGenerating, formatStatus } from '../status_format';
import type { Attachment, HostToView, ViewToHost } from '../webview_protocol';
import { highlightOnce } from './highlight';

interface VsCodeApi {
  postMessage(message: ViewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: ChatState = emptyState();
let attachments: Attachment[] = [];

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

const log = $('log');
const list = $('messages');
const older = $('older');
const empty = $('empty');
const statusEl = $('status');
const sessionEl = $('session');
const errorEl = $('error');
const errorText = $('error-text');
const retryBtn = $('retry') as HTMLButtonElement;
const generatingEl = $('generating');
const form = $('composer') as HTMLFormElement;
const prompt = $('prompt') as HTMLTextAreaElement;
const sendBtn = $('send') as HTMLButtonElement;
const cancelBtn = $('cancel') as HTMLButtonElement;
const attachBtn = $('attach') as HTMLButtonElement;
const attachmentsEl = $('attachments');

function post(message: ViewToHost): void {
  vscode.postMessage(message);
}

// ---- rendering ------------------------------------------------------------------

const ROLE_NAMES: Record<string, string> = { user: 'You', assistant: 'AI', system: 'System' };
const STATUS_NOTES: Record<string, string> = {
  streaming: 'streaming…',
  interrupted: 'interrupted',
  failed: 'failed',
};

function messageHtml(m: ChatMessage): string {
  const role = ROLE_NAMES[m.role] ?? m.role;
  const clock = formatClock(m.createdAt) ?? '';
  const note = STATUS_NOTES[m.status] ? ` <span class="note">${escapeHtml(STATUS_NOTES[m.status])}</span>` : '';
  const pending = m.pending ? ' <span class="note">sending…</span>' : '';
  const images = (m.images ?? [])
    .map((img) => `<img class="thumb" alt="attached image" src="data:${escapeHtml(img.mimeType)};base64,${escapeHtml(img.data)}">`)
    .join('');
  let buttons = '';
  if (m.role === 'assistant' && m.status !== 'streaming' && !m.pending) {
    const made = m.componentId !== undefined;
    const css = codeOfKind(m.content, 'css') !== undefined;
    buttons =
      '<div class="message-actions">' +
      (made ? '<button type="button" class="apply" data-action="apply" title="Write the component to its own .jsx and .css files, after a diff">Apply to Files</button>' : '') +
      (made ? '<button type="button" class="insert-jsx secondary" data-kind="jsx" title="Merge into the current file, imports included">Insert JSX</button>' : '') +
      (css ? '<button type="button" class="insert-css secondary" data-kind="css">Insert CSS</button>' : '') +
      '<button type="button" class="regenerate secondary" data-action="regenerate" title="Send this reply\'s prompt again">Regenerate</button>' +
      '</div>';
  }
  return (
    `<div class="meta"><span class="role">${escapeHtml(role)}</span> <span class="time">${escapeHtml(clock)}</span>${note}${pending}</div>` +
    `<div class="content markdown">${renderMarkdown(m.content, { codeActions: m.role === 'assistant' })}</div>` +
    (images ? `<div class="images">${images}</div>` : '') +
    buttons
  );
}

function messageNode(m: ChatMessage): HTMLElement {
  const el = document.createElement('article');
  fillMessageNode(el, m);
  return el;
}

/** The code blocks the user opened with Show, by "messageId:index": they stay open when their message is drawn again. */
const shownCode = new Set<string>();

function showCode(block: HTMLElement, show: boolean): void {
  const pre = block.querySelector('pre');
  const code = block.querySelector('code');
  const button = block.querySelector('button.code-show');
  if (!pre || !code || !button) return;
  if (show) highlightOnce(code, block.dataset.lang);
  pre.classList.toggle('hidden', !show);
  button.textContent = show ? 'Hide' : 'Show';
}

function fillMessageNode(el: HTMLElement, m: ChatMessage): void {
  el.className = `message ${m.role}${m.pending ? ' pending' : ''}`;
  el.dataset.id = m.id;
  el.dataset.role = m.role;
  el.dataset.status = m.status;
  el.innerHTML = messageHtml(m);
  for (const block of Array.from(el.querySelectorAll<HTMLElement>('.code'))) {
    if (shownCode.has(`${m.id}:${block.dataset.index}`)) showCode(block, true);
  }
}

function nearBottom(): boolean {
  return log.scrollHeight - log.scrollTop - log.clientHeight < 48;
}

function renderGenerating(): void {
  generatingEl.textContent = state.busy ? formatGenerating(state.busySince, new Date()) : '';
  generatingEl.classList.toggle('hidden', !state.busy);
}

function renderChrome(): void {
  const view = formatStatus(state.status, state.sessionId);
  if (state.sessionId) {
    statusEl.textContent = view.state === 'failed' && state.status?.error ? `${view.text}: ${state.status.error}` : view.text;
    statusEl.title = view.tooltip;
    statusEl.dataset.state = view.state;
    sessionEl.textContent = state.title || 'New session';
    sessionEl.title = `Session ${state.sessionId}`;
  } else {
    statusEl.textContent = '';
    statusEl.title = '';
    statusEl.dataset.state = 'none';
    sessionEl.textContent = 'No session';
  }
  empty.classList.toggle('hidden', state.messages.length > 0);
  older.classList.toggle('hidden', !state.hasMore);
  older.textContent = state.loadingOlder ? 'Loading older messages…' : 'Scroll up or click to load older messages';
  sendBtn.disabled = state.busy;
  cancelBtn.classList.toggle('hidden', !state.busy);
  document.body.dataset.busy = String(state.busy);
  errorText.textContent = state.error ?? '';
  errorEl.classList.toggle('hidden', !state.error);
  retryBtn.classList.toggle('hidden', !state.failedPrompt || state.busy);
  renderGenerating();
}

// "Generating… 12s" counts up while a reply streams.
setInterval(() => {
  if (state.busy) renderGenerating();
}, 1000);

/** Re-renders the list, reusing the node of every message that did not change. */
function renderMessages(previous: ChatState, stick: boolean): void {
  const oldHeight = log.scrollHeight;
  const oldTop = log.scrollTop;
  const prevById = new Map(previous.messages.map((m) => [m.id, m]));
  const nodes = new Map<string, HTMLElement>();
  for (const child of Array.from(list.children) as HTMLElement[]) {
    if (child.dataset.id) nodes.set(child.dataset.id, child);
  }
  const wanted: HTMLElement[] = [];
  for (const m of state.messages) {
    let node = nodes.get(m.id);
    if (!node) node = messageNode(m);
    else if (prevById.get(m.id) !== m) fillMessageNode(node, m);
    wanted.push(node);
  }
  // Put the nodes in order, touching the DOM only where it differs.
  wanted.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] ?? null);
  });
  while (list.children.length > wanted.length) list.lastElementChild!.remove();

  const prepended =
    previous.messages.length > 0 && state.messages.length > previous.messages.length && state.messages[0] !== previous.messages[0];
  if (prepended && previous.sessionId === state.sessionId) {
    log.scrollTop = oldTop + (log.scrollHeight - oldHeight); // keep what the user was reading in place
  } else if (stick || previous.sessionId !== state.sessionId) {
    log.scrollTop = log.scrollHeight;
  }
}

function apply(op: ChatOp): void {
  const previous = state;
  state = applyOp(state, op);
  // The prompt of a failed reply is never lost: back in the box unless the user typed another.
  if (op.type === 'failed' && prompt.value.trim() === '') prompt.value = op.prompt.text;
  // Following the conversation: at the bottom before, or the user just sent a prompt.
  const sent = state.messages.some((m) => m.pending) && !previous.messages.some((m) => m.pending);
  const stick = nearBottom() || sent;
  if (previous.messages !== state.messages || previous.sessionId !== state.sessionId) renderMessages(previous, stick);
  renderChrome();
  // The error bar showing or hiding changes the log's height: stay at the bottom.
  if (stick) log.scrollTop = log.scrollHeight;
  maybeLoadOlder();
}

function renderAttachments(): void {
  attachmentsEl.innerHTML = attachments
    .map(
      (a, i) =>
        `<span class="attachment"><img class="thumb" alt="${escapeHtml(a.name)}" src="data:${escapeHtml(a.mimeType)};base64,${escapeHtml(a.data)}">` +
        `<button type="button" class="remove secondary" data-index="${i}" title="Remove ${escapeHtml(a.name)}">×</button></span>`,
    )
    .join('');
}

// ---- paging -----------------------------------------------------------------------

function maybeLoadOlder(): void {
  if (!state.sessionId || !state.hasMore || state.loadingOlder) return;
  if (log.scrollTop < 40) post({ type: 'loadOlder' });
}

log.addEventListener('scroll', () => {
  if (log.scrollTop < 40) maybeLoadOlder();
});
older.addEventListener('click', () => {
  if (state.hasMore && !state.loadingOlder) post({ type: 'loadOlder' });
});

// ---- composing ----------------------------------------------------------------------

function send(): void {
  const text = prompt.value.trim();
  // The server takes a blank prompt only with images attached.
  if ((!text && attachments.length === 0) || state.busy) return;
  post({ type: 'send', text, images: attachments });
  prompt.value = '';
  attachments = [];
  renderAttachments();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
cancelBtn.addEventListener('click', () => post({ type: 'cancel' }));
attachBtn.addEventListener('click', () => post({ type: 'attachFile' }));
$('add-selection').addEventListener('click', () => post({ type: 'addSelection' }));
$('open-session').addEventListener('click', () => post({ type: 'openSession' }));
retryBtn.addEventListener('click', () => {
  // The prompt box held the failed prompt; Retry sends it, so it empties.
  if (state.failedPrompt && prompt.value.trim() === state.failedPrompt.text.trim()) prompt.value = '';
  post({ type: 'retry' });
});

attachmentsEl.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  if (target.classList.contains('remove')) {
    attachments.splice(Number(target.dataset.index), 1);
    renderAttachments();
  }
});

prompt.addEventListener('paste', (e) => {
  const items = Array.from(e.clipboardData?.items ?? []).filter((it) => it.kind === 'file' && it.type.startsWith('image/'));
  if (items.length === 0) return;
  e.preventDefault();
  for (const item of items) {
    const file = item.getAsFile();
    if (!file) continue;
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      const comma = url.indexOf(',');
      attachments.push({ mimeType: file.type, data: url.slice(comma + 1), name: file.name || 'pasted image' });
      renderAttachments();
    };
    reader.readAsDataURL(file);
  }
});

/** A collapsed code block's buttons: Show/Hide here, the others in the host. */
function codeAction(button: HTMLButtonElement, messageId: string): void {
  const block = button.closest('.code') as HTMLElement | null;
  if (!block) return;
  const index = Number(block.dataset.index);
  switch (button.dataset.code) {
    case 'show': {
      const key = `${messageId}:${index}`;
      const show = !shownCode.has(key);
      if (show) shownCode.add(key);
      else shownCode.delete(key);
      showCode(block, show);
      break;
    }
    case 'copy':
      post({ type: 'copyCode', messageId, index });
      break;
    case 'diff':
      post({ type: 'diffCode', messageId, index });
      break;
    case 'apply':
      post({ type: 'apply', messageId });
      break;
  }
}

list.addEventListener('click', (e) => {
  const codeButton = (e.target as HTMLElement).closest('button[data-code]') as HTMLButtonElement | null;
  const codeMessage = (codeButton?.closest('article') as HTMLElement | null)?.dataset.id;
  if (codeButton && codeMessage) {
    codeAction(codeButton, codeMessage);
    return;
  }
  const button = (e.target as HTMLElement).closest('button[data-kind], button[data-action]') as HTMLButtonElement | null;
  const messageId = (button?.closest('article') as HTMLElement | null)?.dataset.id;
  if (!button || !messageId) return;
  if (button.dataset.action === 'apply') post({ type: 'apply', messageId });
  else if (button.dataset.action === 'regenerate') post({ type: 'regenerate', messageId });
  else post({ type: 'insert', kind: button.dataset.kind === 'css' ? 'css' : 'jsx', messageId });
});

window.addEventListener('message', (event: MessageEvent<HostToView>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'op':
      apply(msg.op);
      break;
    case 'attachments':
      attachments.push(...msg.images);
      renderAttachments();
      break;
    case 'focusPrompt':
      prompt.focus();
      break;
    case 'restorePrompt':
      if (prompt.value.trim() === '') prompt.value = msg.text;
      break;
    case 'addToPrompt':
      prompt.value = prompt.value.trim() === '' ? `\n\n${msg.text}` : `${prompt.value.replace(/\s*$/, '')}\n\n${msg.text}`;
      prompt.focus();
      prompt.setSelectionRange(0, 0); // the instruction goes first
      break;
  }
});

renderChrome();
post({ type: 'ready' });
