import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseOrThrow } from '../../../functions/commons/schema-problems.ts';
import { NEVER_ASLEEP_ENVIRONMENTS } from '../../../functions/core/cost/off-hours/preflight.ts';
import {
  OFF_HOURS_WORKFLOW,
  type OffHoursRequest,
  offHoursRequestSchema,
} from '../../../functions/core/cost/off-hours/request.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { startLocalLakehouse } from '../../lakehouse/index.ts';
import { stopOnSignal } from '../../lakehouse/stop-on-signal.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { loadWorkflows } from '../../runner/workflows.ts';
import { runInAws } from '../aws/run-in-aws.ts';
import { type CliIo, writeLines } from '../cli-io.ts';
import { optionProblem } from '../option-problem.ts';
import { renderExecution } from '../render-execution.ts';
import { styleFor } from '../style.ts';
import { EXIT, UsageError } from '../usage-error.ts';

/**
 * `lakehouse-ops wake <environment>`: wakes an environment the off-hours scale-down put to sleep,
 * before its schedule does. It starts the off-hours workflow with `action: wake`, exactly as the
 * wake schedule and the console do, so the same lease, restore, verification and audit apply: in
 * the environment's AWS account (its deployed `lakehouse-ops-<env>-off-hours`), or with --local on
 * the local lakehouse. Waking an environment that is awake changes nothing and says so.
 */
const SLEEPING_ENVIRONMENTS = ENVIRONMENT_NAMES.filter(
  (name) => !(NEVER_ASLEEP_ENVIRONMENTS as readonly string[]).includes(name),
);

/**
 * The local lakehouse's environment name (startLocalLakehouse's default), which its off-hours
 * notifications and annotations name in their wake hint: `wake local` means `--local`.
 */
export const LOCAL_ENVIRONMENT = 'local';
/** The stack whose workflows run on the local lakehouse, as the drill's do. */
const LOCAL_STACK_ENVIRONMENT = 'development';

export const WAKE_USAGE = `  wake <${[...SLEEPING_ENVIRONMENTS, LOCAL_ENVIRONMENT].join('|')}> [--reason <text>] [--as <name>] [--dry-run] [--local] [--json]
      Wake an environment put to sleep by the off-hours schedule, now: node groups, then every
      replica count and CronJob as saved (runs the off-hours workflow with action "wake"). In
      AWS unless --local; \`wake ${LOCAL_ENVIRONMENT}\` is the local lakehouse (${LOCAL_STACK_ENVIRONMENT}'s workflows).`;

export type StartWorkflow = (options: {
  environment: string;
  input: OffHoursRequest;
  local: boolean;
  onStarted: (executionArn: string) => void;
}) => Promise<ExecutionResult>;

const OPTIONS = {
  reason: { type: 'string' },
  as: { type: 'string' },
  'dry-run': { type: 'boolean' },
  local: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export async function wakeCommand(
  args: readonly string[],
  io: CliIo,
  start: StartWorkflow = startOffHoursWorkflow,
): Promise<number> {
  const { values, positionals } = parseOptions(args);
  const { environment, local } = requireSleepingEnvironment(positionals, values.local === true);
  const input = parseOrThrow(
    offHoursRequestSchema,
    {
      action: 'wake',
      dryRun: values['dry-run'] === true,
      requestedBy: values.as ?? defaultRequester(),
      ...(values.reason === undefined ? {} : { reason: values.reason }),
    },
    (problems) => new UsageError(`Cannot wake ${positionals[0]}: ${problems.join('; ')}`),
  );

  const result = await start({
    environment,
    input,
    local,
    onStarted: (executionArn) => {
      if (!values.json) io.stderr.write(`started ${executionArn}\n`);
    },
  });

  if (values.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    writeLines(io.stdout, renderExecution(result, { style: styleFor(io.stdout), verbose: false }));
    const message = (result.output as { message?: unknown } | undefined)?.message;
    if (result.status === 'SUCCEEDED' && typeof message === 'string') writeLines(io.stdout, [message]);
    else if (result.cause) writeLines(io.stdout, ['cause:', result.cause]);
  }
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(optionProblem('wake', args, OPTIONS, error as Error));
  }
}

function requireSleepingEnvironment(
  positionals: readonly string[],
  local: boolean,
): { environment: string; local: boolean } {
  if (positionals.length !== 1) {
    throw new UsageError(
      `wake takes one environment (${SLEEPING_ENVIRONMENTS.join(' or ')}, or ${LOCAL_ENVIRONMENT} for the local lakehouse), got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
    );
  }
  const environment = positionals[0]!;
  if (environment === LOCAL_ENVIRONMENT) return { environment: LOCAL_STACK_ENVIRONMENT, local: true };
  if ((NEVER_ASLEEP_ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new UsageError(
      `${environment} never sleeps: off-hours scale-down runs only in ${SLEEPING_ENVIRONMENTS.join(' and ')}, so there is nothing to wake`,
    );
  }
  if (!(SLEEPING_ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new UsageError(
      `${environment} is not an environment: expected ${SLEEPING_ENVIRONMENTS.join(' or ')}, or ${LOCAL_ENVIRONMENT} for the local lakehouse`,
    );
  }
  return { environment, local };
}

/** Who woke it, for the audit trail: the operator's login unless --as says otherwise. */
function defaultRequester(): string {
  try {
    return `${userInfo().username} (lakehouse-ops wake)`;
  } catch {
    return 'lakehouse-ops wake';
  }
}

async function startOffHoursWorkflow({
  environment,
  input,
  local,
  onStarted,
}: Parameters<StartWorkflow>[0]): Promise<ExecutionResult> {
  const config = loadEnvironmentConfig(environment);
  if (!local) {
    return runInAws({
      sfn: new SFNClient(config.region ? { region: config.region } : {}),
      environment: config.name,
      workflow: OFF_HOURS_WORKFLOW,
      input,
      onStarted,
    });
  }
  const lakehouse = await startLocalLakehouse();
  const forgetSignals = stopOnSignal(lakehouse);
  try {
    const workflows = await loadWorkflows({
      environment: config.name,
      localEnvironment: lakehouse.environment,
    });
    return await workflows.runWorkflow(OFF_HOURS_WORKFLOW, input);
  } finally {
    forgetSignals();
    await lakehouse.stop();
  }
}
