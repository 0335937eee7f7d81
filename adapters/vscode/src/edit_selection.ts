// "Edit Selection with AI": the selected code and what to change go to the
// chat; the code of the reply comes back as a diff of the file with the
// selection replaced, to accept (one undoable edit, not saved) or reject.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat';
import type { Ctx } from './ctx';
import { contextBlock, editSelectionPrompt, replyCode } from './edit_prompt';
import type { Proposals } from './proposal';

export async function editSelection(ctx: Ctx, proposals: Proposals, chat: ChatViewProvider): Promise<void> {
  const editor = ctx.targetEditor;
  if (!editor || editor.selection.isEmpty) throw new Error('Select the code to change first.');
  const doc = editor.document;
  const range = new vscode.Range(editor.selection.start, editor.selection.end);
  const original = doc.getText(range);
  const fileName = path.basename(doc.fileName);
  const instruction = await vscode.window.showInputBox({
    title: 'AI Editor: Edit Selection with AI',
    prompt: `What should change in the ${range.end.line - range.start.line + 1} selected lines of ${fileName}?`,
    validateInput: (v) => (v.trim() === '' ? 'Say what to change.' : undefined),
  });
  if (instruction === undefined) return;
  await chat.reveal();
  // The reply is a diff of the user's code, not a version of the session's component.
  const result = await ctx.send(editSelectionPrompt(instruction, fileName, doc.languageId, original), [], { makeComponent: false });
  if (!result) return; // the chat shows why, with Retry
  const code = replyCode(result.assistantMessage.content, doc.languageId);
  if (code === undefined) throw new Error('The reply had no code to put in place of the selection.');
  const text = doc.getText();
  const changed = text.slice(0, doc.offsetAt(range.start)) + code + text.slice(doc.offsetAt(range.end));
  await proposals.show({
    title: `Edit ${fileName} with AI`,
    diffs: [{ before: doc.uri, after: changed, fileName }],
    accept: async () => {
      if (doc.getText(range) !== original) throw new Error(`The selected code in ${fileName} changed meanwhile; edit it again.`);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, range, code);
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not edit ${fileName}.`);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(range.start, doc.positionAt(doc.offsetAt(range.start) + code.length)) });
    },
  });
}

/** The selection, or the whole file when nothing is selected, as context for the next prompt. */
export function selectionContext(ctx: Ctx): string {
  const editor = ctx.targetEditor;
  if (!editor) throw new Error('Open a file first: its selection, or the whole file, is added to the prompt.');
  const doc = editor.document;
  const whole = editor.selection.isEmpty;
  const code = whole ? doc.getText() : doc.getText(editor.selection);
  return contextBlock(path.basename(doc.fileName), doc.languageId, code, whole);
}
