// Entry point: wires the context, the chat view, the status bar, the sync UI,
// the preview panel and the commands. The server starts on first use, not on
// activation.

import * as vscode from 'vscode';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { PreviewPanel } from './preview';
import { StatusBar } from './status';
import { SyncUi } from './sync';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  ctx = new Ctx(context);
  const chat = new ChatViewProvider(ctx);
  context.subscriptions.push(
    ctx,
    chat,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    new StatusBar(ctx),
    new SyncUi(ctx),
    new PreviewPanel(ctx),
    ...registerCommands(ctx, chat),
  );
}

export function deactivate(): Thenable<void> | undefined {
  const c = ctx;
  ctx = undefined;
  return c?.stop();
}
