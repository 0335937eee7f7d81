// The texts of the search pick, and the rule that only the newest query's
// answer is shown. Pure and tested.

import { plural, relativeTime, type PickItem } from './labels';
import type { SearchHit } from './protocol';

/** How long typing must pause before a query goes to the server. */
export const SEARCH_DEBOUNCE_MS = 200;
/** Hits per page of `search/query`. */
export const SEARCH_PAGE = 50;

const KIND_ICONS: Readonly<Record<string, string>> = {
  message: '$(comment)',
  component: '$(symbol-class)',
  session: '$(tag)',
};

/** What the hit is: "You", "AI", "component v3", "title". */
function whatOf(hit: SearchHit): string {
  if (hit.kind === 'component') return hit.componentVersion !== undefined ? `component v${hit.componentVersion}` : 'component';
  if (hit.kind === 'session') return 'title';
  return hit.role === 'user' ? 'You' : hit.role === 'assistant' ? 'AI' : (hit.role ?? 'message');
}

/**
 * A hit: the session's title, when and what matched, and the snippet on its
 * own line with the matches between « and », as the server marks them (a
 * QuickPick can highlight only its label, and only where the typed text is).
 */
export function hitItem(hit: SearchHit, now: Date): PickItem<SearchHit> {
  return {
    label: `${KIND_ICONS[hit.kind] ?? ''} ${hit.sessionTitle || 'Untitled session'}`.trim(),
    description: `${relativeTime(hit.createdAt, now)} · ${whatOf(hit)}`,
    detail: hit.snippet.replace(/\s+/g, ' ').trim(),
    value: hit,
  };
}

/** What the pick says above its hits: the count so far, or that nothing matched. */
export function hitsSummary(query: string, count: number, more: boolean): string {
  if (query.trim() === '') return 'Type words, "an exact phrase" or a prefix*';
  if (count === 0) return `Nothing matches ${query.trim()}`;
  return `${plural(count, 'hit')}${more ? ' so far' : ''} for ${query.trim()}`;
}

/**
 * Runs one query at a time as far as the caller can tell: the answer of a run
 * that a newer one overtook is dropped (resolves to undefined), so a slow
 * earlier query never replaces the answer to what the user typed since.
 */
export class LatestOnly {
  private latest = 0;

  async run<T>(query: () => Promise<T>): Promise<T | undefined> {
    const mine = ++this.latest;
    try {
      const answer = await query();
      return mine === this.latest ? answer : undefined;
    } catch (e) {
      if (mine === this.latest) throw e;
      return undefined;
    }
  }

  /** Whatever runs now is dropped when it answers. */
  invalidate(): void {
    this.latest++;
  }
}
