import { parseArgs } from 'node:util';
import { ENVIRONMENT_NAMES } from '../../infra/config/environment-config.ts';
import type { CliIo } from './cli-io.ts';
import { APPROVALS_USAGE, approvalsCommand } from './commands/approvals.ts';
import { drillCommand } from './commands/drill.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { WAKE_USAGE, wakeCommand } from './commands/wake.ts';
import { EXIT, UsageError } from './usage-error.ts';

/** `lakehouse-ops <command>`: argument parsing and dispatch; returns the exit code. */

export const USAGE = `Usage: lakehouse-ops <command> [options]

Commands:
  drill [--json] [--verbose]
      Start the local lakehouse and run the drill: validate-platform healthy and with injected
      faults, backup (first and unchanged), verify-backup (passing, and catching a corrupted
      copy), and restore of a deleted prefix (dry run, then byte for byte).
  run <workflow> [--input <file|json>] [--local] [--env ${ENVIRONMENT_NAMES.join('|')}] [--json]
      Run a workflow: in the environment's AWS account, or with --local against the local lakehouse.
${APPROVALS_USAGE}
${WAKE_USAGE}
  serve [--env ${ENVIRONMENT_NAMES.join('|')}]
      Keep the local lakehouse running with the alert webhook on 127.0.0.1 (prints its URL and
      token; runs Prometheus and Alertmanager too when installed) and remediate each alert.
  help
      Show this text.

Exit codes: 0 success, 1 the workflow or drill did not behave as expected, 2 bad command-line input.`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'drill': {
        const { values } = parse(rest, { json: { type: 'boolean' }, verbose: { type: 'boolean' } }, 0);
        return await drillCommand({ json: values.json === true, verbose: values.verbose === true }, io);
      }
      case 'run': {
        const { values, positionals } = parse(
          rest,
          {
            input: { type: 'string' },
            local: { type: 'boolean' },
            env: { type: 'string' },
            json: { type: 'boolean' },
          },
          1,
        );
        const environment = environmentOption(values.env);
        return await runCommand(
          {
            workflow: positionals[0]!,
            input: values.input as string | undefined,
            local: values.local === true,
            environment,
            json: values.json === true,
          },
          io,
        );
      }
      case 'approvals':
        return await approvalsCommand(rest, io);
      case 'wake':
        return await wakeCommand(rest, io);
      case 'serve': {
        const { values } = parse(rest, { env: { type: 'string' } }, 0);
        return await serveCommand({ environment: environmentOption(values.env) }, io);
      }
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      default:
        throw new UsageError(command === undefined ? 'No command given.' : `Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`lakehouse-ops: ${error.message}\n${error.showUsage ? `\n${USAGE}\n` : ''}`);
      return EXIT.usage;
    }
    io.stderr.write(
      `lakehouse-ops: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failed;
  }
}

/** `--env`, development when absent. */
function environmentOption(value: string | boolean | undefined): string {
  const environment = String(value ?? 'development');
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) {
    throw new UsageError(
      `--env ${environment} is not an environment: expected one of ${ENVIRONMENT_NAMES.join(', ')}`,
    );
  }
  return environment;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: readonly string[], options: OptionSpec, positionalCount: number) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: OptionSpec; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util reports unknown options and missing values in plain words; keep them.
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0
        ? `Unexpected argument(s): ${parsed.positionals.join(' ')}`
        : `Expected ${positionalCount} argument(s), got ${parsed.positionals.length}${parsed.positionals.length ? `: ${parsed.positionals.join(' ')}` : ''}`,
    );
  }
  return parsed;
}
