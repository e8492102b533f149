/** Bad command-line input: reported without a stack trace, exit code 2, nothing started. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** False when the command line was fine and the problem is in what it points at (the input). */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
