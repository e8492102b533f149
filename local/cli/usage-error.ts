/** Bad command-line input: reported without a stack trace, exit code 2, nothing started. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
