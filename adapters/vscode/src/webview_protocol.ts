// The messages between the extension host and the chat webview. Types only.

import type { ChatOp } from './chat_model';
import type { Image } from './protocol';
import type { CodeKind } from './markdown';

/** An image the user attached, waiting to be sent. */
export interface Attachment extends Image {
  name: string;
}

export type HostToView =
  | { type: 'op'; op: ChatOp }
  | { type: 'attachments'; images: Attachment[] }
  | { type: 'focusPrompt' }
  /** A prompt that could not be sent: back in the prompt box. */
  | { type: 'restorePrompt'; text: string }
  /** Context (a selection, a file) added at the end of the prompt box. */
  | { type: 'addToPrompt'; text: string };

export type ViewToHost =
  | { type: 'ready' }
  | { type: 'send'; text: string; images: Attachment[] }
  | { type: 'cancel' }
  | { type: 'loadOlder' }
  | { type: 'insert'; kind: CodeKind; messageId: string }
  | { type: 'apply'; messageId: string }
  /** The reply's code block number `index` (extractCodeBlocks order). */
  | { type: 'copyCode'; messageId: string; index: number }
  | { type: 'diffCode'; messageId: string; index: number }
  | { type: 'retry' }
  | { type: 'regenerate'; messageId: string }
  | { type: 'attachFile' }
  | { type: 'openSession' }
  | { type: 'addSelection' };
