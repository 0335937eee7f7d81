// What an error says to the user, and what it says in the log. Pure and tested.
//
// The server's errors carry `data.userMessage`, one plain sentence for people
// (docs/protocol.md, "Plain-language errors"); `message` keeps the field path
// for the log.

/** The error's full text, for the log. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** The plain sentence to show a person: the server's userMessage when it sent one, else the message. */
export function userMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'data' in e) {
    const data = (e as { data: unknown }).data;
    if (typeof data === 'object' && data !== null && 'userMessage' in data) {
      const text = (data as { userMessage: unknown }).userMessage;
      if (typeof text === 'string' && text.trim() !== '') return text.trim();
    }
  }
  return errorMessage(e);
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * One line of the server's stderr, which starts "aieditor LEVEL: "
 * (server/src/common/Log.cpp): its level, and its text without the level (the
 * log channel shows that). A line without the prefix (a crash, a sanitizer
 * report) is an error.
 */
export function serverLogLine(line: string): { level: LogLevel; text: string } {
  const m = /^aieditor (error|warn|info|debug): /.exec(line);
  if (!m) return { level: 'error', text: line };
  return { level: m[1] as LogLevel, text: `aieditor: ${line.slice(m[0].length)}` };
}
