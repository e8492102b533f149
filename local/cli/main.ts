import { parseArgs } from 'node:util';
import { ENVIRONMENT_NAMES } from '../../infra/config/environment-config.ts';
import type { CliIo } from './cli-io.ts';
import { APPROVALS_USAGE, approvalsCommand } from './commands/approvals.ts';
import { drillCommand } from './commands/drill.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { WAKE_USAGE, wakeCommand } from './commands/wake.ts';
import { describeDrillScenarios } from './drill/render-drill.ts';
import { DRILL_SCENARIOS } from './drill/run-drill.ts';
import { type OptionSpec, optionProblem } from './option-problem.ts';
import { EXIT, UsageError } from './usage-error.ts';
import { WORKFLOW_REGISTRY } from './workflow-registry.ts';

/** `lakehouse-ops <command>`: argument parsing and dispatch; returns the exit code. */

const DRILL_OPTIONS = { json: { type: 'boolean' }, verbose: { type: 'boolean' } } as const;
const RUN_OPTIONS = {
  input: { type: 'string' },
  local: { type: 'boolean' },
  env: { type: 'string' },
  json: { type: 'boolean' },
} as const;
const SERVE_OPTIONS = { env: { type: 'string' } } as const;

export const USAGE = `Usage: lakehouse-ops <command> [options]

Commands:
  drill [--json] [--verbose]
      Start the local lakehouse and run every drill scenario, in this order:
${wrap(describeDrillScenarios(DRILL_SCENARIOS), '        ')}
      Scenarios whose system packages are missing are skipped and named (exit code 0 all the
      same). --json prints only the report on stdout.
  run <workflow> [--input <file|json>] [--local] [--env ${ENVIRONMENT_NAMES.join('|')}] [--json]
${wrap(`Run a workflow: with --local against the local lakehouse, otherwise in the environment's AWS account (--env development when not given). Workflows: ${[...WORKFLOW_REGISTRY.keys()].join(', ')}.`, '      ')}
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
        const { values } = parse('drill', rest, DRILL_OPTIONS, 0);
        return await drillCommand({ json: values.json === true, verbose: values.verbose === true }, io);
      }
      case 'run': {
        const { values, positionals } = parse('run', rest, RUN_OPTIONS, 1);
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
        const { values } = parse('serve', rest, SERVE_OPTIONS, 0);
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

/** What each command's positional arguments are, for the message when they are missing. */
const POSITIONALS: Record<string, string> = {
  run: `<workflow>: one of ${[...WORKFLOW_REGISTRY.keys()].join(', ')}`,
};

function parse(command: string, args: readonly string[], options: OptionSpec, positionalCount: number) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: OptionSpec; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(optionProblem(command, args, options, error as Error));
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0
        ? `${command} takes no arguments, got: ${parsed.positionals.join(' ')}`
        : `${command} takes ${POSITIONALS[command] ?? `${positionalCount} argument(s)`}; got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`,
    );
  }
  return parsed;
}

/** The help text's paragraphs stay within 100 columns. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(`${indent}${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}${line}`);
  return lines.join('\n');
}
