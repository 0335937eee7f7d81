// The sync UI: the status bar item beside the save state, the "AI Editor:
// Sync…" menu (sync now, sign in, sign out, rejected writes), and the one
// offer to sign in when the backend wants a token. The sign-in token lives in
// SecretStorage and reaches the server with sync/login, and at every start in
// its environment (AIEDITOR_SYNC_TOKEN).

import * as vscode from 'vscode';
import { guard } from './commands';
import { SECRET_SYNC_TOKEN } from './config';
import type { Ctx } from './ctx';
import { plural, rejectedItems, syncMenuItems, type SyncAction } from './labels';
import * as ext from './lsp_ext';
import type { SyncStatus } from './protocol';
import { formatSync, validateBackendUrl } from './sync_format';

export const SYNC_ITEM_ID = 'aieditor.syncStatus';
export const SYNC_MENU_COMMAND = 'aieditor.syncMenu';

export class SyncUi implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private lastState: SyncStatus['state'] | undefined;
  /** Sign-in is offered in a notification once per window, and not after the user signed out. */
  private offeredSignIn = false;

  constructor(private readonly ctx: Ctx) {
    // Just right of the save state (priority 100): saved here, then synced.
    this.item = vscode.window.createStatusBarItem(SYNC_ITEM_ID, vscode.StatusBarAlignment.Right, 99.999);
    this.item.name = 'AI Editor Sync';
    this.item.command = SYNC_MENU_COMMAND;
    this.disposables.push(
      this.item,
      ctx.onDidChangeSync((status) => this.changed(status)),
      vscode.commands.registerCommand(SYNC_MENU_COMMAND, guard(this.ctx, () => this.menu())),
    );
    this.render();
  }

  private changed(status: SyncStatus | undefined): void {
    this.render();
    const state = status?.state;
    if (state === 'authRequired' && this.lastState !== 'authRequired' && !this.offeredSignIn) {
      this.offeredSignIn = true;
      void vscode.window
        .showInformationMessage('AI Editor: sign in to sync your sessions with the team backend.', 'Sign In')
        .then((choice) => (choice ? guard(this.ctx, () => this.signIn())() : undefined));
    }
    this.lastState = state;
  }

  /** Draws the item; returns what it drew. */
  private render(): ReturnType<typeof formatSync> {
    const view = formatSync(this.ctx.syncStatus, Date.now());
    if (!view.visible) {
      this.item.hide();
    } else {
      this.item.text = view.text;
      this.item.tooltip = view.tooltip;
      this.item.accessibilityInformation = { label: view.ariaLabel, role: 'button' };
      this.item.backgroundColor =
        view.severity === 'none' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
      this.item.show();
    }
    // The countdown redraws every second. Once the retry is due the server is
    // asked, each second, for its new retryAt: a retry that fails again
    // changes no state, so no notification says so.
    const tick = view.countingDown || view.retryDue;
    if (tick && !this.ticker) {
      this.ticker = setInterval(() => {
        if (this.render().retryDue) void this.ctx.refreshSyncStatus();
      }, 1000);
    }
    if (!tick && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    return view;
  }

  // ---- the menu --------------------------------------------------------------------

  private async menu(): Promise<void> {
    await this.ctx.getClient();
    await this.ctx.refreshSyncStatus();
    const status = this.ctx.syncStatus;
    const signedIn = (await this.ctx.extension.secrets.get(SECRET_SYNC_TOKEN)) !== undefined;
    const view = formatSync(status, Date.now());
    const picked = await vscode.window.showQuickPick(syncMenuItems(status, signedIn), {
      title: 'AI Editor: Sync',
      placeHolder: view.visible ? view.label : 'Sync is off: sign in to sync your sessions through a team backend',
    });
    if (!picked) return;
    const actions: Record<SyncAction, () => Promise<void>> = {
      syncNow: () => this.syncNow(),
      signIn: () => this.signIn(),
      signOut: () => this.signOut(),
      showRejected: () => this.showRejected(),
    };
    await actions[picked.value]();
  }

  private async syncNow(): Promise<void> {
    const client = await this.ctx.getClient();
    const status = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AI Editor: syncing…' },
      () => client.sendRequest(ext.syncNow, {}),
    );
    this.ctx.setSyncStatus(status);
    const waiting = status.pending > 0 ? ` ${plural(status.pending, 'write')} wait here and are retried by themselves.` : '';
    switch (status.state) {
      case 'synced':
        if (status.rejected > 0) {
          const choice = await vscode.window.showWarningMessage(
            `AI Editor: synced, but the backend refused ${plural(status.rejected, 'write')}.`,
            'Show Rejected Writes',
          );
          if (choice) await this.showRejected();
        } else {
          void vscode.window.showInformationMessage('AI Editor: synced.');
        }
        return;
      case 'syncing':
        void vscode.window.showInformationMessage('AI Editor: sync is under way.');
        return;
      case 'authRequired':
        if ((await vscode.window.showWarningMessage(`AI Editor: sign in to sync.${waiting}`, 'Sign In')) !== undefined) {
          await this.signIn();
        }
        return;
      case 'disabled':
        void vscode.window.showInformationMessage('AI Editor: sync is off. Choose "Sign in…" in AI Editor: Sync… to turn it on.');
        return;
      default:
        void vscode.window.showWarningMessage(`AI Editor: could not sync: ${status.error ?? status.state}.${waiting}`);
    }
  }

  /** Asks for the token (and the backend URL when the server has none), then sync/login. */
  private async signIn(): Promise<void> {
    const client = await this.ctx.getClient();
    await this.ctx.refreshSyncStatus();
    let url: string | undefined;
    if (!this.ctx.syncStatus || this.ctx.syncStatus.state === 'disabled') {
      url = await vscode.window.showInputBox({
        title: 'AI Editor: Team Backend',
        prompt: 'The URL of the team backend (aieditor-backend serve)',
        value: this.ctx.config.syncUrl ?? 'http://127.0.0.1:8787',
        validateInput: validateBackendUrl,
        ignoreFocusOut: true,
      });
      if (url === undefined) return;
      url = url.trim();
    }
    const entered = await vscode.window.showInputBox({
      title: 'AI Editor: Sign In to Sync',
      prompt: 'Your sign-in token (aies_…) from "aieditor-backend user add NAME". VS Code keeps it in its secret storage.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Enter the sign-in token.' : undefined),
    });
    if (entered === undefined) return;
    const token = entered.trim();
    const status = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AI Editor: signing in…' },
      () => client.sendRequest(ext.syncLogin, url ? { url, token } : { token }),
    );
    this.ctx.setSyncStatus(status);
    if (status.state === 'authRequired') {
      const again = await vscode.window.showErrorMessage(
        `AI Editor: the backend refused the sign-in token${status.error ? `: ${status.error}` : '.'}`,
        'Sign In',
      );
      if (again) await this.signIn();
      return;
    }
    // Kept for the next start (AIEDITOR_SYNC_TOKEN); a token the
    // backend could not be asked about yet (offline) is kept too, as the server keeps it.
    await this.ctx.extension.secrets.store(SECRET_SYNC_TOKEN, token);
    if (url) {
      this.ctx.adoptSyncUrl(url);
      await this.ctx.config.setSyncUrl(url);
    }
    if (status.state === 'offline') {
      void vscode.window.showWarningMessage(
        `AI Editor: the token is kept, but the backend cannot be reached now${status.error ? ` (${status.error})` : ''}. Sync starts by itself when it can.`,
      );
    } else {
      void vscode.window.showInformationMessage(`AI Editor: signed in${status.user ? ` as ${status.user}` : ''}; sync is on.`);
    }
  }

  private async signOut(): Promise<void> {
    const client = await this.ctx.getClient();
    this.offeredSignIn = true; // the user knows: no offer to sign in again
    const status = await client.sendRequest(ext.syncLogout, {});
    await this.ctx.extension.secrets.delete(SECRET_SYNC_TOKEN);
    this.ctx.setSyncStatus(status);
    void vscode.window.showInformationMessage(
      'AI Editor: signed out. Everything stays here, and what you write uploads after the next sign-in.',
    );
  }

  private async showRejected(): Promise<void> {
    const client = await this.ctx.getClient();
    const { writes } = await client.sendRequest(ext.syncRejected, {});
    if (writes.length === 0) {
      void vscode.window.showInformationMessage('AI Editor: the backend has refused no write.');
      return;
    }
    const picked = await vscode.window.showQuickPick(rejectedItems(writes), {
      title: 'AI Editor: Rejected Writes',
      placeHolder: 'Retry them, or choose one to read why it was refused',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return;
    let sessionId: string | undefined;
    if (picked.value.retry) {
      sessionId = picked.value.sessionId;
    } else {
      const w = picked.value.write;
      const choice = await vscode.window.showWarningMessage(
        `AI Editor: the backend refused write #${w.seq} (${w.kind}${w.recordId ? ` ${w.recordId}` : ''}) of session ${w.sessionId}: ${w.error}`,
        'Retry This Session',
      );
      if (!choice) return;
      sessionId = w.sessionId;
    }
    const { retried } = await client.sendRequest(ext.syncRetryRejected, sessionId ? { sessionId } : {});
    void vscode.window.showInformationMessage(`AI Editor: ${plural(retried, 'write')} queued again.`);
    await this.ctx.refreshSyncStatus();
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
