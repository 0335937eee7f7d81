// "Show Component History": the versions in a quick pick (number, relative
// time, what made each, which is current). Choosing one shows its diff against
// the current version; Accept restores it (a new version, history is kept) and
// updates the files the component was applied to, as an edit the user can undo.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { updateAppliedFiles } from './apply';
import type { Ctx } from './ctx';
import { versionItems } from './labels';
import * as ext from './lsp_ext';
import type { ComponentVersion } from './protocol';
import type { Proposals } from './proposal';

export async function showHistory(ctx: Ctx, proposals: Proposals): Promise<void> {
  const sessionId = ctx.requireSession();
  const current = await ctx.currentComponent();
  if (!current) {
    void vscode.window.showInformationMessage('AI Editor: the session has no component yet. Send a prompt to make one.');
    return;
  }
  const client = await ctx.getClient();
  const { versions } = await client.sendRequest(ext.componentsHistory, { sessionId, componentId: current.id });
  const picked = await vscode.window.showQuickPick(versionItems(versions, new Date()), {
    title: `AI Editor: History of ${current.name}`,
    placeHolder: 'Choose a version to compare with the current one before restoring it',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  const chosen = picked.value;
  const latest = versions.reduce((a, b) => (b.version > a.version ? b : a));
  if (chosen.version === latest.version) {
    void vscode.window.showInformationMessage(`AI Editor: v${chosen.version} is the current version.`);
    return;
  }
  await proposals.show({
    title: `Restore v${chosen.version} of ${current.name}, current v${latest.version} on the left`,
    diffs: diffsOf(latest, chosen, current.name),
    accept: () => restore(ctx, chosen),
  });
}

function diffsOf(from: ComponentVersion, to: ComponentVersion, name: string) {
  const diffs = [{ before: from.jsx, after: to.jsx, fileName: `${name}.jsx` }];
  if (from.css !== to.css) diffs.push({ before: from.css, after: to.css, fileName: `${name}.css` });
  return diffs;
}

async function restore(ctx: Ctx, chosen: ComponentVersion): Promise<void> {
  const client = await ctx.getClient();
  const sessionId = ctx.requireSession();
  const { component } = await client.sendRequest(ext.componentsRestore, {
    sessionId,
    componentId: chosen.id,
    version: chosen.version,
  });
  ctx.noteCurrentComponent(component.id);
  const updated = await updateAppliedFiles(ctx, component.id, component.version);
  if (updated.length > 0) {
    // The JSX file in an editor: Undo (Ctrl+Z) there takes the restore back out of the file.
    await vscode.window.showTextDocument(updated[0], { preview: false });
  }
  const files = updated.length > 0 ? `; updated ${updated.map((u) => path.basename(u.fsPath)).join(' and ')} (Undo reverts them)` : '';
  void vscode.window.showInformationMessage(
    `AI Editor: restored v${chosen.version} of ${component.name} as v${component.version}${files}.`,
  );
}
