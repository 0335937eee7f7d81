// The status bar item: "AI Editor", then "Generating… 12s" while a reply
// streams, else the open session's persistence state. Clicking it opens the
// chat view.

import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { formatGenerating, formatStatus } from './status_format';

export const STATUS_ITEM_ID = 'aieditor.status';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;
  /** Counts the seconds up while a reply streams. */
  private ticker: ReturnType<typeof setInterval> | undefined;

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
    if (state.busy && !this.ticker) this.ticker = setInterval(() => this.update(), 1000);
    if (!state.busy && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    if (state.busy) {
      const generating = formatGenerating(state.busySince, new Date());
      this.item.text = `$(loading~spin) AI Editor: ${generating}`;
      this.item.tooltip = `AI Editor: ${generating} Click to open the chat.`;
      this.item.accessibilityInformation = { label: 'AI Editor: Generating', role: 'button' };
    } else {
      this.item.text = view.state === 'none' ? view.text : `AI Editor ${view.text}`;
      this.item.tooltip = view.tooltip;
      this.item.accessibilityInformation = { label: view.ariaLabel, role: 'button' };
    }
    this.item.backgroundColor =
      view.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.subscription.dispose();
    this.item.dispose();
  }
}
