import type { CliIo } from '../../../../local/cli/cli-io.ts';

/** A CliIo whose streams are kept, so a test can read what a command wrote where. */
export function captureIo(): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
