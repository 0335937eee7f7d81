// The texts of the quick picks. Pure and tested.

import type { Component, SessionSummary } from './protocol';
import { formatDateTime } from './status_format';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export const NEW_SESSION = Symbol('new session');

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "New session…" first, then the sessions, most recently updated first. */
export function sessionItems(sessions: SessionSummary[], openId?: string): Array<PickItem<string | typeof NEW_SESSION>> {
  const sorted = [...sessions].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  return [
    { label: '$(add) New session…', description: 'enter an id', value: NEW_SESSION },
    ...sorted.map((s) => ({
      label: s.title && s.title !== s.id ? s.title : s.id,
      description: `${s.id === openId ? 'open · ' : ''}${s.title && s.title !== s.id ? `${s.id} · ` : ''}${plural(s.messageCount, 'message')}, ${plural(s.componentCount, 'component')}`,
      detail: `Updated ${formatDateTime(s.updatedAt) ?? s.updatedAt}`,
      value: s.id,
    })),
  ];
}

/** The versions of a component, newest first; the latest is marked current. */
export function versionItems(versions: Component[]): Array<PickItem<number>> {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version;
  return sorted.map((c) => {
    const firstLine = c.jsx.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
    return {
      label: `v${c.version}${c.version === latest ? ' (current)' : ''}`,
      description: `${c.name} · ${formatDateTime(c.createdAt) ?? c.createdAt}`,
      detail: firstLine.length > 100 ? `${firstLine.slice(0, 99)}…` : firstLine,
      value: c.version,
    };
  });
}

/** A component name from a file name: "my-button.jsx" → "MyButton". */
export function componentNameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  const words = stem.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  if (name === '') return 'Component';
  return /^[0-9]/.test(name) ? `C${name}` : name;
}

/** The default export file name for a session. */
export function exportFileName(sessionId: string): string {
  return `${sessionId.replace(/:/g, '_')}.aieditor.json`;
}
