// The commands of package.json's contributes.commands, one function each.

import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat';
import { proposeApply } from './apply';
import { SECRET_API_KEY } from './config';
import { ShownError, type Ctx } from './ctx';
import { errorMessage, userMessage } from './errors';
import { editSelection, selectionContext } from './edit_selection';
import { showHistory } from './history';
import { componentNameFromFile, exportFileName, NEW_SESSION, sessionItems } from './labels';
import * as ext from './lsp_ext';
import { codeOfKind, kindForDocument } from './markdown';
import type { ComponentInput } from './protocol';
import type { Proposals } from './proposal';

export type Handler = (...args: unknown[]) => Promise<unknown>;

/** Shows an error once, in plain words (the server's userMessage); the log keeps the details. */
export function showError(ctx: Ctx, e: unknown): void {
  if (e instanceof ShownError) return;
  ctx.log(`error: ${errorMessage(e)}`);
  void vscode.window.showErrorMessage(`AI Editor: ${userMessage(e)}`);
}

/** Runs a command, showing any error once. */
export function guard(ctx: Ctx, handler: Handler): Handler {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (e) {
      showError(ctx, e);
      return undefined;
    }
  };
}

export function registerCommands(ctx: Ctx, chat: ChatViewProvider, proposals: Proposals): vscode.Disposable[] {
  const commands: Record<string, Handler> = {
    'aieditor.openSession': () => openSession(ctx, chat),
    'aieditor.newSession': async () => {
      await ctx.newSession();
      await chat.reveal(true);
    },
    'aieditor.sendPrompt': () => sendPrompt(ctx, chat),
    'aieditor.retry': async () => {
      if (!ctx.state.failedPrompt) void vscode.window.showInformationMessage('AI Editor: no failed reply to retry.');
      else await ctx.retry();
    },
    'aieditor.insertJsx': (messageId) => insertJsx(ctx, typeof messageId === 'string' ? messageId : undefined),
    'aieditor.insertCss': (messageId) => insertCss(ctx, typeof messageId === 'string' ? messageId : undefined),
    'aieditor.applyToFiles': async (messageId) => {
      const [componentId, version] = typeof messageId === 'string' ? await ctx.componentOfReply(messageId) : [];
      if (typeof messageId === 'string' && !componentId) throw new Error('This reply made no component.');
      await proposeApply(ctx, proposals, componentId, version);
    },
    'aieditor.acceptChanges': async () => {
      if (!(await proposals.accept())) void vscode.window.showInformationMessage('AI Editor: no change waits to be accepted.');
    },
    'aieditor.rejectChanges': async () => {
      await proposals.reject();
    },
    'aieditor.editSelection': () => editSelection(ctx, proposals, chat),
    'aieditor.addSelectionToPrompt': async () => chat.addToPrompt(selectionContext(ctx)),
    'aieditor.saveComponent': () => saveComponent(ctx),
    'aieditor.showHistory': () => showHistory(ctx, proposals),
    'aieditor.exportSession': () => exportSession(ctx),
    'aieditor.importSession': () => importSession(ctx, chat),
    'aieditor.cancel': async () => {
      if (!ctx.cancel()) void vscode.window.showInformationMessage('AI Editor: no request is running.');
    },
    'aieditor.setApiKey': () => setApiKey(ctx),
    'aieditor.showChat': () => chat.reveal(),
    'aieditor.openChatInEditor': async () => chat.openInEditor(),
    'aieditor.restartServer': async () => {
      await ctx.restart();
      void vscode.window.showInformationMessage(`AI Editor: server restarted (aieditor ${ctx.version ?? '?'}).`);
    },
    'aieditor.showLog': async () => ctx.output.show(),
  };
  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, guard(ctx, handler)));
}

async function openSession(ctx: Ctx, chat: ChatViewProvider): Promise<string | undefined> {
  const client = await ctx.getClient();
  const { sessions } = await client.sendRequest(ext.sessionList, { limit: 200 });
  const picked = await vscode.window.showQuickPick(sessionItems(sessions, ctx.sessionId, new Date()), {
    title: 'AI Editor: Open Session',
    placeHolder: 'Choose a session, or start a new one',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  const opened = picked.value === NEW_SESSION ? await ctx.newSession() : await ctx.openSession(picked.value);
  await chat.reveal(picked.value === NEW_SESSION);
  return opened.session.id;
}

async function sendPrompt(ctx: Ctx, chat: ChatViewProvider): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: `AI Editor: Send Prompt${ctx.state.title ? ` (${ctx.state.title})` : ''}`,
    prompt: 'Describe the component to build, or how to change the current one',
    validateInput: (v) => (v.trim() === '' ? 'Enter a prompt.' : undefined),
  });
  if (text === undefined) return;
  await chat.reveal();
  await ctx.send(text.trim());
}

/**
 * Inserts the component into the editor's file with the server's merge
 * (components/render "insert"): its imports join the file's, never twice, and
 * the component goes at the end. One edit: one undo step.
 */
async function insertJsx(ctx: Ctx, messageId?: string): Promise<void> {
  const sessionId = ctx.requireSession();
  const editor = ctx.targetEditor;
  if (!editor) throw new Error('Open a file to insert into first.');
  const [componentId, version] = messageId ? await ctx.componentOfReply(messageId) : [];
  if (messageId && !componentId) {
    void vscode.window.showInformationMessage('AI Editor: this reply made no component.');
    return;
  }
  const client = await ctx.getClient();
  const doc = editor.document;
  const rendered = await client.sendRequest(ext.componentsRenderInsert, {
    sessionId,
    target: 'insert',
    existingText: doc.getText(),
    ...(componentId ? { componentId } : {}),
    ...(version ? { version } : {}),
  });
  const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
  if (!(await editor.edit((b) => b.replace(whole, rendered.text)))) throw new Error(`Could not edit ${doc.fileName}.`);
  await vscode.window.showTextDocument(doc, editor.viewColumn);
}

/** Inserts the CSS at each cursor, or over each selection, in one edit: one undo step. */
async function insertCss(ctx: Ctx, messageId?: string): Promise<void> {
  ctx.requireSession();
  const editor = ctx.targetEditor;
  if (!editor) throw new Error('Open a file to insert into first.');
  let css: string | undefined;
  if (messageId) {
    const message = ctx.state.messages.find((m) => m.id === messageId);
    css = message ? codeOfKind(message.content, 'css') : undefined;
  } else {
    css = (await ctx.currentComponent())?.css;
  }
  if (css === undefined || css.trim() === '') {
    void vscode.window.showInformationMessage(
      messageId ? 'AI Editor: this reply has no CSS.' : 'AI Editor: the session has no component with CSS yet.',
    );
    return;
  }
  const code = css;
  if (!(await editor.edit((b) => editor.selections.forEach((s) => b.replace(s, code))))) {
    throw new Error(`Could not edit ${editor.document.fileName}.`);
  }
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
