// "Search Chats…": a QuickPick that searches every session as the user types
// (search/query, debounced; a slower earlier answer never replaces a newer
// one). Choosing a hit opens its session in the chat view and scrolls to the
// message, highlighted, loading older pages until it is there.

import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat';
import { showError } from './commands';
import type { Ctx } from './ctx';
import { LOAD_MORE, loadMoreItem } from './labels';
import * as ext from './lsp_ext';
import type { SearchHit } from './protocol';
import { hitItem, hitsSummary, LatestOnly, SEARCH_DEBOUNCE_MS, SEARCH_PAGE } from './search_model';

type HitPickItem = vscode.QuickPickItem & { value: SearchHit | typeof LOAD_MORE };

export async function searchChats(ctx: Ctx, chat: ChatViewProvider): Promise<void> {
  const client = await ctx.getClient();
  const pick = vscode.window.createQuickPick<HitPickItem>();
  pick.title = 'AI Editor: Search Chats';
  pick.placeholder = 'Search every session: words, "an exact phrase", prefix*';
  // The server matched: every hit shows (alwaysShow), whatever the pick's own filter thinks of it.
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  const latest = new LatestOnly();
  let timer: NodeJS.Timeout | undefined;
  let running: vscode.CancellationTokenSource | undefined;
  let hits: HitPickItem[] = [];
  let cursor: string | undefined;
  let query = '';

  const show = () => {
    const more = cursor ? [{ ...loadMoreItem(`the next ${SEARCH_PAGE} hits`), alwaysShow: true }] : [];
    pick.items = query.trim() === '' ? [] : [...hits, ...more];
    pick.title = `AI Editor: Search Chats · ${hitsSummary(query, hits.length, cursor !== undefined)}`;
  };

  /** Asks for `q` from `from` (a cursor: the next page); the answer counts only if nothing newer was asked meanwhile. */
  const ask = async (q: string, from?: string) => {
    running?.cancel();
    const source = new vscode.CancellationTokenSource();
    running = source;
    pick.busy = true;
    try {
      const params = { query: q, limit: SEARCH_PAGE, ...(from ? { cursor: from } : {}) };
      const page = await latest.run(() => client.sendRequest(ext.searchQuery, params, source.token));
      if (!page) return; // overtaken by a newer query
      const now = new Date();
      const fresh = page.hits.map((h) => ({ ...hitItem(h, now), alwaysShow: true }));
      hits = from ? [...hits, ...fresh] : fresh;
      cursor = page.nextCursor ?? undefined;
      query = q;
      show();
      if (from && fresh[0]) pick.activeItems = [fresh[0]];
    } catch (e) {
      if (!source.token.isCancellationRequested) showError(ctx, e);
    } finally {
      if (running === source) {
        running = undefined;
        pick.busy = false;
      }
      source.dispose();
    }
  };

  pick.onDidChangeValue((value) => {
    clearTimeout(timer);
    if (value.trim() === '') {
      latest.invalidate();
      running?.cancel();
      hits = [];
      cursor = undefined;
      query = '';
      show();
      return;
    }
    timer = setTimeout(() => void ask(value), SEARCH_DEBOUNCE_MS);
  });

  const chosen = new Promise<SearchHit | undefined>((resolve) => {
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      if (!item) return;
      if (item.value === LOAD_MORE) {
        if (cursor) void ask(query, cursor);
        return;
      }
      resolve(item.value);
      pick.hide();
    });
    pick.onDidHide(() => resolve(undefined));
  });
  pick.show();
  const hit = await chosen;
  clearTimeout(timer);
  latest.invalidate();
  running?.cancel();
  pick.dispose();
  if (hit) await openHit(ctx, chat, hit);
}

/** Opens the hit's session in the chat and scrolls to what matched. */
export async function openHit(ctx: Ctx, chat: ChatViewProvider, hit: SearchHit): Promise<void> {
  if (ctx.sessionId !== hit.sessionId) await ctx.openSession(hit.sessionId);
  await chat.reveal();
  if (hit.kind === 'session') return; // the title: the chat shows it on top
  const message = await findHitMessage(ctx, hit);
  if (!message) {
    const what = hit.kind === 'component' ? 'the reply that made this component version' : 'this message';
    void vscode.window.showInformationMessage(`AI Editor: ${what} is no longer in the session.`);
    return;
  }
  chat.revealMessage(message);
}

/** The message of a hit: itself, or for a component the reply that made that version (else its newest reply). */
async function findHitMessage(ctx: Ctx, hit: SearchHit): Promise<string | undefined> {
  if (hit.kind === 'message') return (await ctx.findMessage(hit.sessionId, (m) => m.id === hit.id))?.id;
  let interactionId: unknown;
  if (hit.componentVersion !== undefined) {
    try {
      const client = await ctx.getClient();
      const { versions } = await client.sendRequest(ext.componentsHistory, { sessionId: hit.sessionId, componentId: hit.id });
      interactionId = versions.find((v) => v.version === hit.componentVersion)?.metadata?.interactionId;
    } catch (e) {
      ctx.log(`components/history: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const made =
    typeof interactionId === 'string'
      ? await ctx.findMessage(hit.sessionId, (m) => m.role === 'assistant' && m.interactionId === interactionId)
      : undefined;
  return (made ?? (await ctx.findMessage(hit.sessionId, (m) => m.componentId === hit.id)))?.id;
}
