// "AI Editor: Preview Component": a webview panel beside the code showing the
// server's live preview of the open session's component (preview/open). It
// follows the session: when another opens, or the server restarts (a new
// address), the panel shows that; new versions arrive through the page's own
// event stream, without the extension.
//
// The page is framed at the address vscode.env.asExternalUri gives for the
// server's http://127.0.0.1:PORT/... URL, rather than served through the
// webview: in desktop VS Code that is the URL itself, in code-server its
// /proxy/PORT/ path, on a remote a forwarded port, so the one page and its
// event stream work everywhere without a second copy of the preview in the
// extension. When that address has another authority, preview/open is asked
// once more with it as proxyHost, so that the server's Host check lets the
// proxy's requests in. The panel's HTML is written once per origin; another
// session's page is a message to its script (see preview_html.ts).

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { guard } from './commands';
import type { Ctx } from './ctx';
import { errorMessage, userMessage } from './errors';
import * as ext from './lsp_ext';
import { contentOrigin, previewHtml, type PreviewContent, type PreviewMessage } from './preview_html';

export const PREVIEW_COMMAND = 'aieditor.previewComponent';
const PANEL_TYPE = 'aieditor.preview';

export class PreviewPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** What the panel shows, so that an unchanged address does not reload the page. */
  private shown: string | undefined;
  /** The origin the panel's HTML allows framing ('' for none): another needs new HTML. */
  private framing: string | undefined;
  /** Bumped by each refresh: an older one still on its way shows nothing. */
  private generation = 0;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly ctx: Ctx) {
    this.subscriptions = [
      vscode.commands.registerCommand(PREVIEW_COMMAND, guard(ctx, () => this.show())),
      // A session opened, closed or deleted, or the server restarted (which opens the session again).
      ctx.onDidChangeChat((op) => {
        if (op.type === 'reset' && this.panel) void this.refresh();
      }),
    ];
  }

  /** Opens the panel beside the active editor (or reveals it) and shows the current session. */
  async show(): Promise<void> {
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        PANEL_TYPE,
        'AI Editor Preview',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        // Scripts on: the framed page needs them (the webview's sandbox
        // passes on to its frames); the panel's own CSP runs none.
        { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: true },
      );
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
          this.shown = undefined;
          this.framing = undefined;
        }
      });
      this.panel = panel;
    }
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const sessionId = this.ctx.sessionId;
    let content: PreviewContent;
    if (!sessionId) {
      content = { kind: 'message', text: 'No session is open. Open one with "AI Editor: Open Session": the preview follows it.' };
    } else {
      try {
        content = { kind: 'page', url: await this.address(sessionId) };
      } catch (e) {
        this.ctx.log(`preview/open: ${errorMessage(e)}`);
        content = { kind: 'message', text: `The preview could not start: ${userMessage(e)}` };
      }
    }
    if (generation !== this.generation || !this.panel) return;
    this.panel.title = sessionId ? `Preview: ${sessionId}` : 'AI Editor Preview';
    const key = JSON.stringify(content);
    if (key === this.shown) return;
    this.shown = key;
    const origin = contentOrigin(content) ?? '';
    if (this.framing === undefined || (origin !== '' && origin !== this.framing)) {
      this.framing = origin;
      this.panel.webview.html = previewHtml(content, randomBytes(16).toString('base64'));
    } else {
      const message: PreviewMessage = { type: 'show', content };
      void this.panel.webview.postMessage(message);
    }
  }

  /** The page's address as this window reaches it. */
  private async address(sessionId: string): Promise<string> {
    const client = await this.ctx.getClient();
    const { url } = await client.sendRequest(ext.previewOpen, { sessionId });
    const local = vscode.Uri.parse(url, true);
    const external = await vscode.env.asExternalUri(local);
    if (external.authority !== local.authority) {
      await client.sendRequest(ext.previewOpen, { sessionId, proxyHost: external.authority });
    }
    this.ctx.log(`preview: ${sessionId} at ${external.authority === local.authority ? 'its own address' : external.authority}`);
    return external.toString(true);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.panel?.dispose();
  }
}
