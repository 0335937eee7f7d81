// The commands of package.json's contributes.commands, one function each.

import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat';
import { SECRET_API_KEY } from './config';
import { errorMessage, ShownError, type Ctx } from './ctx';
import { componentNameFromFile, exportFileName, NEW_SESSION, sessionItems, versionItems } from './labels';
import * as ext from './lsp_ext';
import { codeOfKind, kindForDocument, type CodeKind } from './markdown';
import type { Component, ComponentInput } from './protocol';
import { suggestSessionId, validateSessionId } from './session_id';

export type Handler = (...args: unknown[]) => Promise<unknown>;

/** Runs a command, showing any error once. */
export function guard(handler: Handler): Handler {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (e) {
      if (!(e instanceof ShownError)) void vscode.window.showErrorMessage(`AI Editor: ${errorMessage(e)}`);
      return undefined;
    }
  };
}

export function registerCommands(ctx: Ctx, chat: ChatViewProvider): vscode.Disposable[] {
  const commands: Record<string, Handler> = {
    'aieditor.openSession': () => openSession(ctx, chat),
    'aieditor.sendPrompt': () => sendPrompt(ctx, chat),
    'aieditor.insertJsx': (messageId) => insertCode(ctx, 'jsx', typeof messageId === 'string' ? messageId : undefined),
    'aieditor.insertCss': (messageId) => insertCode(ctx, 'css', typeof messageId === 'string' ? messageId : undefined),
    'aieditor.saveComponent': () => saveComponent(ctx),
    'aieditor.showHistory': () => showHistory(ctx),
    'aieditor.exportSession': () => exportSession(ctx),
    'aieditor.importSession': () => importSession(ctx, chat),
    'aieditor.cancel': async () => {
      if (!ctx.cancel()) void vscode.window.showInformationMessage('AI Editor: no request is running.');
    },
    'aieditor.setApiKey': () => setApiKey(ctx),
    'aieditor.showChat': () => chat.reveal(),
    'aieditor.restartServer': async () => {
      await ctx.restart();
      void vscode.window.showInformationMessage(`AI Editor: server restarted (aieditor ${ctx.version ?? '?'}).`);
    },
    'aieditor.showLog': async () => ctx.output.show(),
  };
  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, guard(handler)));
}

async function openSession(ctx: Ctx, chat: ChatViewProvider): Promise<string | undefined> {
  const client = await ctx.getClient();
  const { sessions } = await client.sendRequest(ext.sessionList, { limit: 200 });
  const picked = await vscode.window.showQuickPick(sessionItems(sessions, ctx.sessionId), {
    title: 'AI Editor: Open Session',
    placeHolder: 'Choose a session, or create a new one',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  let sessionId: string;
  if (picked.value === NEW_SESSION) {
    const entered = await vscode.window.showInputBox({
      title: 'AI Editor: New Session',
      prompt: 'Session id: letters, digits, ".", "_", ":" and "-"',
      value: suggestSessionId(new Date()),
      validateInput: (v) => validateSessionId(v.trim()),
    });
    if (entered === undefined) return undefined;
    sessionId = entered.trim();
  } else {
    sessionId = picked.value;
  }
  await ctx.openSession(sessionId);
  await chat.reveal();
  return sessionId;
}

async function sendPrompt(ctx: Ctx, chat: ChatViewProvider): Promise<void> {
  if (!ctx.sessionId) {
    const opened = await openSession(ctx, chat);
    if (!opened) return;
  }
  const text = await vscode.window.showInputBox({
    title: `AI Editor: Send Prompt (${ctx.sessionId})`,
    prompt: 'Describe the component to build, or how to change the current one',
    validateInput: (v) => (v.trim() === '' ? 'Enter a prompt.' : undefined),
  });
  if (text === undefined) return;
  await chat.reveal();
  await ctx.send(text.trim());
}

async function codeFor(ctx: Ctx, kind: CodeKind, messageId?: string): Promise<{ code: string; from: string } | undefined> {
  if (messageId) {
    const message = ctx.state.messages.find((m) => m.id === messageId);
    const fromReply = message ? codeOfKind(message.content, kind) : undefined;
    if (fromReply !== undefined) return { code: fromReply, from: 'the reply' };
    if (message?.componentId) {
      const component = await ctx.component(message.componentId);
      return { code: component[kind], from: component.name };
    }
    return undefined;
  }
  const component = await ctx.currentComponent();
  return component ? { code: component[kind], from: component.name } : undefined;
}

/** Inserts at each cursor, or replaces each selection, in one edit: one undo step. */
async function insertCode(ctx: Ctx, kind: CodeKind, messageId?: string): Promise<void> {
  ctx.requireSession();
  const editor = ctx.targetEditor;
  if (!editor) throw new Error('Open a file to insert into first.');
  const found = await codeFor(ctx, kind, messageId);
  const label = kind === 'jsx' ? 'JSX' : 'CSS';
  if (!found || found.code.trim() === '') {
    void vscode.window.showInformationMessage(
      messageId ? `AI Editor: this reply has no ${label}.` : `AI Editor: the session has no component with ${label} yet.`,
    );
    return;
  }
  const ok = await editor.edit((b) => {
    for (const selection of editor.selections) b.replace(selection, found.code);
  });
  if (!ok) throw new Error(`Could not edit ${editor.document.fileName}.`);
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
}

async function saveComponent(ctx: Ctx): Promise<void> {
  const sessionId = ctx.requireSession();
  const editor = ctx.targetEditor;
  if (!editor) throw new Error('Open the file holding the component first.');
  const selection = editor.selection;
  const text = selection.isEmpty ? editor.document.getText() : editor.document.getText(selection);
  if (text.trim() === '') throw new Error('There is nothing to save: the editor or selection is empty.');
  const kind = kindForDocument(editor.document.languageId, editor.document.fileName);
  const current = await ctx.currentComponent();
  const component: ComponentInput = current
    ? { id: current.id, jsx: current.jsx, css: current.css, [kind]: text }
    : kind === 'jsx'
      ? { jsx: text, css: '' } // the server names it after the function in the JSX
      : { name: componentNameFromFile(editor.document.fileName), jsx: '', css: text };
  const client = await ctx.getClient();
  const saved = (await client.sendRequest(ext.componentsSave, { sessionId, component })).component;
  ctx.noteCurrentComponent(saved.id);
  void vscode.window.showInformationMessage(
    `AI Editor: saved the ${kind === 'jsx' ? 'JSX' : 'CSS'} of ${saved.name} as version ${saved.version}.`,
  );
}

async function showHistory(ctx: Ctx): Promise<void> {
  const sessionId = ctx.requireSession();
  const current: Component | undefined = await ctx.currentComponent();
  if (!current) {
    void vscode.window.showInformationMessage('AI Editor: the session has no component yet.');
    return;
  }
  const client = await ctx.getClient();
  const { versions } = await client.sendRequest(ext.componentsHistory, { sessionId, componentId: current.id });
  const picked = await vscode.window.showQuickPick(versionItems(versions), {
    title: `AI Editor: History of ${current.name}`,
    placeHolder: 'Choose a version to restore (history is kept)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  const restored = (
    await client.sendRequest(ext.componentsRestore, { sessionId, componentId: current.id, version: picked.value })
  ).component;
  void vscode.window.showInformationMessage(
    `AI Editor: restored version ${picked.value} of ${restored.name} as version ${restored.version}.`,
  );
}

async function exportSession(ctx: Ctx): Promise<void> {
  const sessionId = ctx.requireSession();
  const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.env.HOME ?? '/');
  const target = await vscode.window.showSaveDialog({
    title: 'AI Editor: Export Session',
    defaultUri: vscode.Uri.joinPath(base, exportFileName(sessionId)),
    filters: { 'AI Editor session': ['json'] },
  });
  if (!target) return;
  const client = await ctx.getClient();
  const { document } = await client.sendRequest(ext.sessionExport, { sessionId });
  await vscode.workspace.fs.writeFile(target, Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8'));
  void vscode.window.showInformationMessage(`AI Editor: exported session ${sessionId} to ${target.fsPath}.`);
}

async function importSession(ctx: Ctx, chat: ChatViewProvider): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: 'AI Editor: Import Session',
    canSelectMany: false,
    openLabel: 'Import',
    filters: { 'AI Editor session': ['json'] },
  });
  if (!picked || picked.length === 0) return;
  const bytes = await vscode.workspace.fs.readFile(picked[0]);
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new Error(`${picked[0].fsPath} is not JSON: ${errorMessage(e)}`);
  }
  const client = await ctx.getClient();
  const { sessionId } = await client.sendRequest(ext.sessionImport, { document });
  await ctx.openSession(sessionId);
  await chat.reveal();
  void vscode.window.showInformationMessage(`AI Editor: imported as session ${sessionId}.`);
}

async function setApiKey(ctx: Ctx): Promise<void> {
  const provider = ctx.config.provider ?? 'the configured provider';
  const key = await vscode.window.showInputBox({
    title: 'AI Editor: Set API Key',
    prompt: `API key for ${provider}. It is kept in VS Code's secret storage, never in settings. Leave empty to remove it.`,
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key.trim() === '') {
    await ctx.extension.secrets.delete(SECRET_API_KEY);
  } else {
    await ctx.extension.secrets.store(SECRET_API_KEY, key.trim());
  }
  // The key reaches the server at start only.
  if (ctx.running) await ctx.restart();
  void vscode.window.showInformationMessage(
    key.trim() === '' ? 'AI Editor: API key removed.' : 'AI Editor: API key stored; the server will use it from now on.',
  );
}
