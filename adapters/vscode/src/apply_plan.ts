// Where "Apply" writes a component: pure decisions, tested under node.

import * as path from 'node:path';
import type { AppliedFile, FileKind } from './protocol';

export interface FolderInputs {
  /** aieditor.componentsFolder: absolute, or relative to the workspace folder; undefined when unset. */
  setting?: string;
  /** The first workspace folder's path, when one is open. */
  workspaceFolder?: string;
  /** The folder of the file in the editor, when it is a file. */
  currentFileFolder?: string;
  /** Whether `<workspaceFolder>/src/components` is a folder. */
  srcComponentsExists: boolean;
}

/**
 * The folder for a component's new files: the setting; else the workspace's
 * src/components when it exists; else the current file's folder; else the
 * workspace folder. Undefined when none can be told (no folder, no file).
 */
export function componentsFolder(i: FolderInputs): string | undefined {
  if (i.setting) {
    if (path.isAbsolute(i.setting)) return path.normalize(i.setting);
    return i.workspaceFolder ? path.join(i.workspaceFolder, i.setting) : undefined;
  }
  if (i.workspaceFolder && i.srcComponentsExists) return path.join(i.workspaceFolder, 'src', 'components');
  return i.currentFileFolder ?? i.workspaceFolder;
}

/**
 * The files to write a component to: those it was applied to before (so a new
 * version updates them and never makes copies), else its own file names in
 * `folder`. A kind not applied yet goes beside the one that was.
 */
export function targetFiles(
  recorded: AppliedFile[],
  folder: string | undefined,
  names: Record<FileKind, string>,
): Record<FileKind, string> | undefined {
  const newest = (kind: FileKind) =>
    recorded.filter((f) => f.kind === kind).sort((a, b) => (a.appliedAt < b.appliedAt ? 1 : -1))[0]?.path;
  const jsx = newest('jsx');
  const css = newest('css');
  const base = jsx ? path.dirname(jsx) : css ? path.dirname(css) : folder;
  if (base === undefined) return undefined;
  return { jsx: jsx ?? path.join(base, names.jsx), css: css ?? path.join(base, names.css) };
}
