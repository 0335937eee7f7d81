// Entry point: wires the context, the chat view, the status bar, the sync UI
// and the commands. The server starts on first use, not on activation.

import * as vscode from 'vscode';
import { offerUpdate } from './apply';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat';
import { registerCommands, showError } from './commands';
import { Ctx } from './ctx';
import { Proposals } from './proposal';
import { StatusBar } from './status';
import { SyncUi } from './sync';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const c = new Ctx(context);
  ctx = c;
  const proposals = new Proposals();
  const chat = new ChatViewProvider(c, proposals);
  context.subscriptions.push(
    c,
    chat,
    proposals,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    new StatusBar(c),
    new SyncUi(c),
    ...registerCommands(c, chat, proposals),
    // A new version of a component written to files: offer to update them.
    c.onDidMakeVersion((component) => void offerUpdate(c, proposals, component).catch((e) => showError(c, e))),
  );
}

export function deactivate(): Thenable<void> | undefined {
  const c = ctx;
  ctx = undefined;
  return c?.stop();
}
