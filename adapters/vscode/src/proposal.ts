// A change shown as a diff before it happens: each file in VS Code's diff
// editor (what is there now on the left, the proposed text on the right), with
// Accept and Reject on the editor's title bar (package.json, menus
// "editor/title", when the right side is ours). One proposal at a time: a new
// one replaces the last.

import * as vscode from 'vscode';

export const PROPOSAL_SCHEME = 'aieditor-proposal';
/** Texts only compared, with nothing to accept (no Accept/Reject on their diff). */
const COMPARE_SCHEME = 'aieditor-compare';
/** Set while a proposal waits for Accept or Reject. */
const CONTEXT_KEY = 'aieditor.proposalPending';

export interface ProposedDiff {
  /** The text now: a file (left as it is on disk or in its editor), or a text of ours. */
  before: vscode.Uri | string;
  /** What the change makes of it. */
  after: string;
  /** The file name to show and to pick the language by, e.g. "PricingCard.jsx". */
  fileName: string;
}

export interface Proposal {
  /** "Apply PricingCard v2", shown in each diff's title. */
  title: string;
  diffs: ProposedDiff[];
  /** Runs on Accept; an error is shown and the diffs stay open. */
  accept(): Promise<void>;
}

export class Proposals implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private pending: { id: number; proposal: Proposal } | undefined;
  private nextId = 1;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, this),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Opens one diff per file, the first one last so that it has the focus. */
  async show(proposal: Proposal): Promise<void> {
    await this.close();
    const id = this.nextId++;
    this.pending = { id, proposal };
    await vscode.commands.executeCommand('setContext', CONTEXT_KEY, true);
    for (const [i, diff] of [...proposal.diffs.entries()].reverse()) {
      const left = typeof diff.before === 'string' ? this.text(id, `before/${i}/${diff.fileName}`, diff.before) : diff.before;
      const right = this.text(id, `after/${i}/${diff.fileName}`, diff.after);
      await vscode.commands.executeCommand('vscode.diff', left, right, `${diff.fileName} (${proposal.title})`, { preview: false });
    }
  }

  /** Shows two texts side by side, to read only. */
  async compare(title: string, diff: ProposedDiff & { before: string }): Promise<void> {
    const id = this.nextId++;
    const uri = (side: string, content: string) => {
      const u = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${id}/${side}/${diff.fileName}` });
      this.texts.set(u.toString(), content);
      return u;
    };
    await vscode.commands.executeCommand('vscode.diff', uri('before', diff.before), uri('after', diff.after), title);
  }

  /** Accepts the waiting proposal; false when none waits. */
  async accept(): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return false;
    await pending.proposal.accept();
    if (this.pending?.id === pending.id) await this.close();
    return true;
  }

  /** Rejects the waiting proposal: nothing changes. False when none waits. */
  async reject(): Promise<boolean> {
    if (!this.pending) return false;
    await this.close();
    return true;
  }

  private text(id: number, path: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/${path}` });
    this.texts.set(uri.toString(), content);
    return uri;
  }

  /** Closes the diffs of the waiting proposal and forgets it. */
  private async close(): Promise<void> {
    const id = this.pending?.id;
    this.pending = undefined;
    await vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
    if (id === undefined) return;
    const ours = (uri: vscode.Uri) => uri.scheme === PROPOSAL_SCHEME && uri.path.startsWith(`/${id}/`);
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputTextDiff && ours(t.input.modified));
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
    for (const key of [...this.texts.keys()]) if (ours(vscode.Uri.parse(key))) this.texts.delete(key);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
