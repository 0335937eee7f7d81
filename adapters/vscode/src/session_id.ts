// Session ids are chosen by the client: 1–128 characters from [A-Za-z0-9._:-]
// (docs/protocol.md, "IDs"). Pure and tested.

export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Undefined when `id` is a valid session id, else why not (for an input box). */
export function validateSessionId(id: string): string | undefined {
  if (id.length === 0) return 'Enter a session id.';
  if (id.length > 128) return `A session id has at most 128 characters (this one has ${id.length}).`;
  const bad = [...id].find((c) => !/[A-Za-z0-9._:-]/.test(c));
  if (bad !== undefined) return `"${bad}" is not allowed: use letters, digits, ".", "_", ":" and "-".`;
  return undefined;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A new session's id: the local time, and 4 random hex digits so that two made in one second differ. */
export function newSessionId(now: Date, random: () => number = Math.random): string {
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${suggestSessionId(now)}-${suffix}`;
}

/** A fresh id to offer in the input box, from the local time: session-YYYYMMDD-HHMMSS. */
export function suggestSessionId(now: Date): string {
  return (
    `session-${now.getFullYear()}${pad2(now.getMonth() + 1)}${pad2(now.getDate())}` +
    `-${pad2(now.getHours())}${pad2(now.getMinutes())}${pad2(now.getSeconds())}`
  );
}
