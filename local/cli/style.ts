/**
 * Terminal styling: ANSI colours only when writing to a TTY (and NO_COLOR is unset), so piped
 * output and CI logs stay plain text.
 */
export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Style = {
  ok: ansi(32, 39),
  bad: ansi(31, 39),
  warn: ansi(33, 39),
  dim: ansi(2, 22),
  bold: ansi(1, 22),
};
const identity = (text: string) => text;
const PLAIN: Style = { ok: identity, bad: identity, warn: identity, dim: identity, bold: identity };

export function styleFor(stream: { isTTY?: boolean }, environment: NodeJS.ProcessEnv = process.env): Style {
  return stream.isTTY === true && environment.NO_COLOR === undefined ? COLOURED : PLAIN;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
