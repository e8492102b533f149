import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/constructs/ops-function.ts';

/** The CLI as a user runs it: `npx tsx local/cli/bin.ts ...`, checking exit codes and stderr. */
function lakehouseOps(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'local/cli/bin.ts', ...args],
      { cwd: REPO_ROOT, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('lakehouse-ops bin', () => {
  it('exits 2 and lists the known workflows when the workflow is unknown', async () => {
    const { code, stderr } = await lakehouseOps('run', 'validate-everything', '--local');
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown workflow "validate-everything". Known workflows:');
    expect(stderr).toMatch(/^ {2}validate-platform {2}full health suite/m);
  }, 60_000);

  it('exits 2 naming the field and what was expected when the input fails the schema', async () => {
    const { code, stderr, stdout } = await lakehouseOps(
      'run',
      'validate-platform',
      '--local',
      '--input',
      '{"suite":"quick"}',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      'Input for validate-platform is invalid:\n  - suite: expected one of "full", got "quick"',
    );
    expect(stdout).toBe('');
  }, 60_000);

  it('exits 2 with a clear message when the input file cannot be read', async () => {
    const { code, stderr } = await lakehouseOps('run', 'validate-platform', '--input', 'no/such/input.json');
    expect(code).toBe(2);
    expect(stderr).toContain('Cannot read input file no/such/input.json: no such file.');
  }, 60_000);

  it('prints the usage and exits 0 for help', async () => {
    const { code, stdout } = await lakehouseOps('help');
    expect(code).toBe(0);
    expect(stdout).toContain('drill [--json] [--verbose]');
  }, 60_000);
});
