// "Open Session…": the sessions, newest first, a page at a time, each with a
// rename button; and "Rename Session…". The QuickPick API has no scroll event,
// so the last row, "Load more…", fetches the next page.

import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat';
import { showError } from './commands';
import type { Ctx } from './ctx';
import { LOAD_MORE, loadMoreItem, NEW_SESSION, NEW_SESSION_ITEM, sessionItems, type PickItem } from './labels';
import * as ext from './lsp_ext';

/** Sessions per page of `session/list`. */
export const SESSION_PAGE = 50;

type SessionPickItem = vscode.QuickPickItem & { value: string | typeof NEW_SESSION | typeof LOAD_MORE };

const RENAME_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: 'Rename…' };

function withButton(item: PickItem<string>): SessionPickItem {
  return { ...item, buttons: [RENAME_BUTTON] };
}

/** Opens the chosen session in the chat view (or starts one); resolves to its id, undefined when dismissed. */
export async function openSessionPicker(ctx: Ctx, chat: ChatViewProvider): Promise<string | undefined> {
  const client = await ctx.getClient();
  const pick = vscode.window.createQuickPick<SessionPickItem>();
  pick.title = 'AI Editor: Open Session';
  pick.placeholder = 'Choose a session, or start a new one (✎ renames)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let sessions: SessionPickItem[] = [];
  let cursor: string | undefined;
  /** The rename input box hides the pick for a while: that is no dismissal. */
  let renaming = false;

  const loadPage = async (): Promise<SessionPickItem[]> => {
    pick.busy = true;
    try {
      const page = await client.sendRequest(ext.sessionList, { limit: SESSION_PAGE, ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor ?? undefined;
      const fresh = sessionItems(page.sessions, ctx.sessionId, new Date()).map(withButton);
      sessions = [...sessions, ...fresh];
      pick.items = [NEW_SESSION_ITEM, ...sessions, ...(cursor ? [{ ...loadMoreItem(`the next ${SESSION_PAGE} sessions`), alwaysShow: true }] : [])];
      return fresh;
    } finally {
      pick.busy = false;
    }
  };

  const chosen = new Promise<SessionPickItem | undefined>((resolve) => {
    pick.onDidAccept(async () => {
      const item = pick.selectedItems[0];
      if (item?.value !== LOAD_MORE) {
        resolve(item);
        pick.hide();
        return;
      }
      try {
        const fresh = await loadPage();
        if (fresh[0]) pick.activeItems = [fresh[0]];
      } catch (e) {
        showError(ctx, e);
      }
    });
    pick.onDidTriggerItemButton(async ({ item }) => {
      if (typeof item.value !== 'string') return;
      renaming = true;
      const showAgain = () => {
        renaming = false;
        pick.show();
      };
      try {
        const title = await renameSession(ctx, item.value, item.label, showAgain);
        if (title === undefined) return;
        sessions = sessions.map((s) => (s.value === item.value ? { ...s, label: title } : s));
        pick.items = pick.items.map((s) => (s.value === item.value ? { ...s, label: title } : s));
      } catch (e) {
        showError(ctx, e);
      }
    });
    pick.onDidHide(() => {
      if (!renaming) resolve(undefined);
    });
  });

  pick.show();
  try {
    await loadPage();
  } catch (e) {
    pick.dispose();
    throw e;
  }
  const picked = await chosen;
  pick.dispose();
  if (!picked || picked.value === LOAD_MORE) return undefined;
  const opened = picked.value === NEW_SESSION ? await ctx.newSession() : await ctx.openSession(picked.value);
  await chat.reveal(picked.value === NEW_SESSION);
  return opened.session.id;
}

/**
 * Asks for a new title and renames the session (`session/rename`); resolves to
 * the title the server kept, undefined when the user cancelled. `after` runs
 * once the input box has closed (a picker shows itself again).
 */
export async function renameSession(
  ctx: Ctx,
  sessionId: string,
  current: string,
  after?: () => void,
): Promise<string | undefined> {
  let entered: string | undefined;
  try {
    entered = await vscode.window.showInputBox({
      title: 'AI Editor: Rename Session',
      prompt: `A new title for ${sessionId}`,
      value: current,
      valueSelection: [0, current.length],
      validateInput: (v) => {
        const t = v.trim();
        if (t === '') return 'Enter a title.';
        if ([...t].length > 200) return 'At most 200 characters.';
        return undefined;
      },
    });
  } finally {
    after?.();
  }
  if (entered === undefined || entered.trim() === current.trim()) return undefined;
  const client = await ctx.getClient();
  const { session } = await client.sendRequest(ext.sessionRename, { sessionId, title: entered.trim() });
  ctx.noteTitle(session.id, session.title);
  return session.title;
}

/** "Rename Session…" from the chat view: the open session. */
export async function renameOpenSession(ctx: Ctx): Promise<void> {
  const sessionId = ctx.requireSession();
  await renameSession(ctx, sessionId, ctx.state.title ?? '');
}
