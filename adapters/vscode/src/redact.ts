// Secrets in the trace. sync/login must carry the sign-in token, and a verbose
// trace of the language client writes every request's params to the log: the
// value of every "token" or "apiKey" field is hidden before it is written.
// Pure and tested.

const SECRET_FIELD = /("(?:token|apiKey)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

export const REDACTED = '[redacted]';

/** `text` with the value of every JSON "token" and "apiKey" field replaced. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_FIELD, `$1"${REDACTED}"`);
}
