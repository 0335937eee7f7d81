// "Apply to Files": a component version written to its own files, <Name>.jsx
// and <Name>.css, after a diff the user accepts. The server renders the files
// (components/render: the JSX imports its CSS exactly once) and remembers which
// files hold the component (components/applied, components/files), so a later
// version, or a restore, updates the same files.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { componentsFolder, targetFiles } from './apply_plan';
import type { Ctx } from './ctx';
import * as ext from './lsp_ext';
import type { FileKind, RenderFilesResult } from './protocol';
import type { Proposals } from './proposal';

export interface FileWrite {
  uri: vscode.Uri;
  kind: FileKind;
  text: string;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The text of a file as the user sees it: its open editor's, else the disk's; undefined when absent. */
async function currentText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  if (!(await exists(uri))) return undefined;
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
}

async function newFilesFolder(ctx: Ctx): Promise<string | undefined> {
  const workspaceFolder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  const current = ctx.targetEditor?.document.uri;
  const srcComponents = workspaceFolder ? vscode.Uri.file(path.join(workspaceFolder, 'src', 'components')) : undefined;
  let srcComponentsExists = false;
  if (srcComponents) {
    try {
      srcComponentsExists = (await vscode.workspace.fs.stat(srcComponents)).type === vscode.FileType.Directory;
    } catch {
      srcComponentsExists = false;
    }
  }
  return componentsFolder({
    setting: ctx.config.componentsFolder,
    workspaceFolder,
    currentFileFolder: current?.scheme === 'file' ? path.dirname(current.fsPath) : undefined,
    srcComponentsExists,
  });
}

/** The rendered version and the files it goes to. */
async function plan(ctx: Ctx, componentId?: string, version?: number): Promise<{ rendered: RenderFilesResult; writes: FileWrite[] }> {
  const sessionId = ctx.requireSession();
  const client = await ctx.getClient();
  const params = { sessionId, target: 'files' as const, ...(componentId ? { componentId } : {}), ...(version ? { version } : {}) };
  const rendered = await client.sendRequest(ext.componentsRenderFiles, params);
  const { files } = await client.sendRequest(ext.componentsFiles, { sessionId, componentId: rendered.componentId });
  const targets = targetFiles(files, await newFilesFolder(ctx), { jsx: rendered.jsxFileName, css: rendered.cssFileName });
  if (!targets) throw new Error('Open a folder or a file first: the component\'s files go beside it (or set aieditor.componentsFolder).');
  // The CSS file is written even when empty: the JSX always imports it.
  const writes: FileWrite[] = [
    { uri: vscode.Uri.file(targets.jsx), kind: 'jsx', text: rendered.jsx },
    { uri: vscode.Uri.file(targets.css), kind: 'css', text: rendered.css },
  ];
  return { rendered, writes };
}

/**
 * Writes the files as one workspace edit (one undo step in each editor), and
 * saves them. New files are created.
 */
export async function writeFiles(writes: FileWrite[]): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  for (const w of writes) {
    if (await exists(w.uri)) {
      const doc = await vscode.workspace.openTextDocument(w.uri);
      edit.replace(w.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), w.text);
    } else {
      edit.createFile(w.uri, { ignoreIfExists: true });
      edit.insert(w.uri, new vscode.Position(0, 0), w.text);
    }
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not write ${writes.map((w) => w.uri.fsPath).join(' and ')}.`);
  for (const w of writes) {
    const doc = await vscode.workspace.openTextDocument(w.uri);
    if (doc.isDirty && !(await doc.save())) throw new Error(`Could not save ${w.uri.fsPath}.`);
  }
}

/** Tells the server which files now hold which version. */
async function recordApplied(ctx: Ctx, rendered: RenderFilesResult, writes: FileWrite[]): Promise<void> {
  const client = await ctx.getClient();
  await client.sendRequest(ext.componentsApplied, {
    sessionId: ctx.requireSession(),
    componentId: rendered.componentId,
    version: rendered.version,
    files: writes.map((w) => ({ path: w.uri.fsPath, kind: w.kind })),
  });
}

function names(writes: FileWrite[]): string {
  return writes.map((w) => path.basename(w.uri.fsPath)).join(' and ');
}

/**
 * Shows the diff of applying a version (default: the current component's
 * latest) to its files; Accept writes them.
 */
export async function proposeApply(ctx: Ctx, proposals: Proposals, componentId?: string, version?: number): Promise<void> {
  const { rendered, writes } = await plan(ctx, componentId, version);
  const diffs = [];
  for (const w of writes) {
    const now = await currentText(w.uri);
    if (now === w.text) continue;
    diffs.push({ before: now === undefined ? '' : w.uri, after: w.text, fileName: path.basename(w.uri.fsPath) });
  }
  const name = path.basename(writes[0].uri.fsPath, '.jsx');
  if (diffs.length === 0) {
    await recordApplied(ctx, rendered, writes);
    void vscode.window.showInformationMessage(`AI Editor: ${names(writes)} already hold version ${rendered.version}.`);
    return;
  }
  await proposals.show({
    title: `Apply ${name} v${rendered.version}`,
    diffs,
    accept: async () => {
      await writeFiles(writes);
      await recordApplied(ctx, rendered, writes);
      void vscode.window.showInformationMessage(`AI Editor: wrote version ${rendered.version} of ${name} to ${names(writes)}.`);
    },
  });
}

/**
 * After a restore or any new version: the files the component was applied to
 * get `version`, as one undoable edit. Resolves to the files written (none when
 * the component was never applied).
 */
export async function updateAppliedFiles(ctx: Ctx, componentId: string, version: number): Promise<vscode.Uri[]> {
  const client = await ctx.getClient();
  const { files } = await client.sendRequest(ext.componentsFiles, { sessionId: ctx.requireSession(), componentId });
  if (files.length === 0) return [];
  const { rendered, writes } = await plan(ctx, componentId, version);
  await writeFiles(writes);
  await recordApplied(ctx, rendered, writes);
  return writes.map((w) => w.uri);
}

/**
 * A new version of a component that was applied (a reply, a synced change):
 * offers to update its files, through the same diff.
 */
export async function offerUpdate(ctx: Ctx, proposals: Proposals, component: { id: string; name: string; version: number }): Promise<void> {
  const client = await ctx.getClient();
  const { files } = await client.sendRequest(ext.componentsFiles, { sessionId: ctx.requireSession(), componentId: component.id });
  const behind = files.filter((f) => f.version < component.version);
  if (behind.length === 0) return;
  const which = behind.map((f) => path.basename(f.path)).join(' and ');
  const choice = await vscode.window.showInformationMessage(
    `AI Editor: version ${component.version} of ${component.name} is ready. ${which} ${behind.length === 1 ? 'holds' : 'hold'} version ${behind[0].version}.`,
    'Review Update',
  );
  if (choice) await proposeApply(ctx, proposals, component.id, component.version);
}
