// The chat view: a webview view in the "AI Editor" activity-bar container. The
// host owns the state (Ctx); the view gets a snapshot when it (re)loads and
// then every ChatOp.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { showError } from './commands';
import type { Ctx } from './ctx';
import { codeKindOf, extractCodeBlocks } from './markdown';
import type { Proposals } from './proposal';
import { chatHtml } from './webview_html';
import type { Attachment, HostToView, ViewToHost } from './webview_protocol';

export const CHAT_VIEW_ID = 'aieditor.chatView';
const CHAT_PANEL_TYPE = 'aieditor.chatPanel';

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * The chat, in the side bar's view and, when asked, in an editor tab: the same
 * page in each, all following the one state (Ctx).
 */
export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private panel: vscode.WebviewPanel | undefined;
  /** The page the user acted in last: replies to its own requests (attachments, restored prompts) go there. */
  private active: vscode.Webview | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly ctx: Ctx,
    private readonly proposals: Proposals,
  ) {
    this.subscription = ctx.onDidChangeChat((op) => this.broadcast({ type: 'op', op }));
  }

  private setUp(webview: vscode.Webview): void {
    const root = this.ctx.extension.extensionUri;
    const media = vscode.Uri.joinPath(root, 'media');
    const dist = vscode.Uri.joinPath(root, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    webview.html = chatHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css')).toString(),
    });
    webview.onDidReceiveMessage((m: ViewToHost) => {
      this.active = webview;
      return this.receive(m);
    });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.setUp(view.webview);
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  /** The chat in an editor tab beside the current editor: wide, and movable like any editor. */
  openInEditor(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(CHAT_PANEL_TYPE, 'AI Editor Chat', vscode.ViewColumn.Beside, {
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'icon.svg');
    this.panel = panel;
    this.setUp(panel.webview);
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  /** Shows the chat (its editor tab when open, else the view), and focuses its prompt box when asked. */
  async reveal(focusPrompt = false): Promise<void> {
    if (this.panel) this.panel.reveal(undefined, !focusPrompt);
    else await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    if (focusPrompt) this.post({ type: 'focusPrompt' });
  }

  /** Adds text (a selection as context) to the prompt box, and shows the chat. */
  async addToPrompt(text: string): Promise<void> {
    await this.reveal(true);
    this.post({ type: 'addToPrompt', text });
  }

  /** To the page the user acted in last (else the editor tab's, else the view's). */
  private post(message: HostToView): void {
    const target = this.active ?? this.panel?.webview ?? this.view?.webview;
    void target?.postMessage(message);
  }

  private broadcast(message: HostToView): void {
    for (const webview of [this.view?.webview, this.panel?.webview]) void webview?.postMessage(message);
  }

  private async receive(m: ViewToHost): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          this.post({ type: 'op', op: { type: 'snapshot', state: this.ctx.state } });
          // Opening the chat opens the last session, or starts one.
          await this.ctx.ensureSession(true);
          break;
        case 'send':
          try {
            await this.ctx.send(m.text, m.images);
          } catch (e) {
            // Not sent at all (no server): the prompt goes back in its box.
            this.post({ type: 'restorePrompt', text: m.text });
            throw e;
          }
          break;
        case 'retry':
          await this.ctx.retry();
          break;
        case 'regenerate':
          await this.ctx.regenerate(m.messageId);
          break;
        case 'apply':
          await vscode.commands.executeCommand('aieditor.applyToFiles', m.messageId);
          break;
        case 'copyCode': {
          const block = this.codeBlock(m.messageId, m.index);
          await vscode.env.clipboard.writeText(block.code);
          void vscode.window.setStatusBarMessage('AI Editor: code copied', 3000);
          break;
        }
        case 'diffCode':
          await this.diffCode(m.messageId, m.index);
          break;
        case 'cancel':
          this.ctx.cancel();
          break;
        case 'loadOlder':
          await this.ctx.loadOlder();
          break;
        case 'insert':
          await vscode.commands.executeCommand(m.kind === 'css' ? 'aieditor.insertCss' : 'aieditor.insertJsx', m.messageId);
          break;
        case 'attachFile':
          await this.attachFiles();
          break;
        case 'openSession':
          await vscode.commands.executeCommand('aieditor.openSession');
          break;
        case 'addSelection':
          await vscode.commands.executeCommand('aieditor.addSelectionToPrompt');
          break;
      }
    } catch (e) {
      showError(this.ctx, e);
    }
  }

  private codeBlock(messageId: string, index: number) {
    const message = this.ctx.state.messages.find((x) => x.id === messageId);
    const block = message ? extractCodeBlocks(message.content)[index] : undefined;
    if (!block) throw new Error('That code is no longer in the chat.');
    return block;
  }

  /** A reply's code block beside the same kind of code in the reply before it: what this turn changed. */
  private async diffCode(messageId: string, index: number): Promise<void> {
    const block = this.codeBlock(messageId, index);
    const kind = codeKindOf(block.lang);
    const messages = this.ctx.state.messages;
    const at = messages.findIndex((x) => x.id === messageId);
    for (let i = at - 1; i >= 0; i--) {
      if (messages[i].role !== 'assistant') continue;
      const earlier = extractCodeBlocks(messages[i].content).find((b) => b.closed && codeKindOf(b.lang) === kind);
      if (!earlier) continue;
      const fileName = `code.${block.lang || 'txt'}`;
      await this.proposals.compare(`${fileName}: the reply before ↔ this reply`, { before: earlier.code, after: block.code, fileName });
      return;
    }
    void vscode.window.showInformationMessage('AI Editor: no earlier reply has code of this kind to compare with.');
  }

  private async attachFiles(): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Attach',
      filters: { Images: Object.keys(IMAGE_TYPES) },
    });
    if (!uris) return;
    const images: Attachment[] = [];
    for (const uri of uris) {
      const ext = uri.path.split('.').pop()?.toLowerCase() ?? '';
      const mimeType = IMAGE_TYPES[ext];
      if (!mimeType) {
        void vscode.window.showWarningMessage(`AI Editor: ${uri.path} is not a PNG, JPEG, GIF or WebP image.`);
        continue;
      }
      const bytes = await vscode.workspace.fs.readFile(uri);
      images.push({ mimeType, data: Buffer.from(bytes).toString('base64'), name: uri.path.split('/').pop() ?? 'image' });
    }
    if (images.length > 0) this.post({ type: 'attachments', images });
  }

  dispose(): void {
    this.panel?.dispose();
    this.subscription.dispose();
  }
}
