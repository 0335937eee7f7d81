// The status bar item: the open session's persistence state. Clicking it opens
// the chat view.

import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { formatStatus } from './status_format';

export const STATUS_ITEM_ID = 'aieditor.status';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'AI Editor Status';
    this.item.command = 'aieditor.showChat';
    this.subscription = ctx.onDidChangeChat(() => this.update());
    this.update();
    this.item.show();
  }

  private update(): void {
    const state = this.ctx.state;
    const view = formatStatus(state.sessionId ? state.status ?? { state: 'notSaved' } : undefined, state.sessionId);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.ariaLabel, role: 'button' };
    this.item.backgroundColor =
      view.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
