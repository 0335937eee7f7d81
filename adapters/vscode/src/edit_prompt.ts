// "Edit Selection with AI": the prompt that asks for the change, and the code
// taken back from the reply. Pure and tested.

import { extractCodeBlocks } from './markdown';

/** The fence language for an editor's language id ("javascriptreact" → "jsx"). */
export function fenceLanguage(languageId: string): string {
  const known: Record<string, string> = { javascriptreact: 'jsx', typescriptreact: 'tsx', javascript: 'js', typescript: 'ts' };
  return known[languageId] ?? languageId;
}

/** The prompt: what to change, and the selected code, asking for the whole changed code in one block. */
export function editSelectionPrompt(instruction: string, fileName: string, languageId: string, code: string): string {
  const lang = fenceLanguage(languageId);
  return (
    `${instruction.trim()}\n\n` +
    `Change only this code, selected in \`${fileName}\`, and reply with the whole changed code in one \`\`\`${lang} block, nothing left out:\n\n` +
    `\`\`\`${lang}\n${code}\n\`\`\``
  );
}

/** A selection or file attached to a prompt as context, in a fenced block. */
export function contextBlock(fileName: string, languageId: string, code: string, whole: boolean): string {
  const what = whole ? `\`${fileName}\`` : `this code from \`${fileName}\``;
  return `In ${what}:\n\n\`\`\`${fenceLanguage(languageId)}\n${code}\n\`\`\`\n`;
}

/**
 * The code of a reply to put in place of the selection: its first closed block
 * in the file's language, else its first closed block; undefined when none.
 */
export function replyCode(reply: string, languageId: string): string | undefined {
  const blocks = extractCodeBlocks(reply).filter((b) => b.closed);
  const lang = fenceLanguage(languageId);
  return (blocks.find((b) => b.lang === lang) ?? blocks[0])?.code;
}
