import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  APPROVAL_DECISIONS,
  type ApprovalDecision,
  approvalIdSchema,
} from '../../../functions/core/remediation/approval/approval-link.ts';
import {
  type ApprovalRecord,
  type ApprovalTable,
  listApprovals,
} from '../../../functions/core/remediation/approval/approval-store.ts';
import {
  type DecisionOutcome,
  decideApproval,
  epochSeconds,
  MAX_APPROVER_LENGTH,
  MAX_REASON_LENGTH,
} from '../../../functions/core/remediation/approval/decide-approval.ts';
import {
  describeAction,
  describeApproval,
  describeTarget,
} from '../../../functions/core/remediation/approval/describe-approval.ts';
import {
  stepFunctionsTaskAnswers,
  type TaskAnswers,
} from '../../../functions/core/remediation/approval/task-answers.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { type CliIo, writeLines } from '../cli-io.ts';
import { optionProblem } from '../option-problem.ts';
import { EXIT, UsageError } from '../usage-error.ts';

/**
 * `lakehouse-ops approvals`: the operators' way to see and take approve-first decisions without
 * the notification's links, with their own AWS credentials (IAM is the authorisation here, as the
 * signature is for a link). `decide` goes through the same core as the link endpoint, so the
 * workflow cannot tell the two apart but for `via: cli` on the record.
 *
 * The environment's ops table (`lakehouse-ops-<env>-ops`) in its region by default; `--table`
 * and the SDK's own AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SFN reach any other, such as a
 * local lakehouse's (`lakehouse-ops-local-ops` on its dynalite and aws-sim).
 */
export const APPROVALS_USAGE = `  approvals list [--all] [--env ${ENVIRONMENT_NAMES.join('|')}] [--table <name>] [--json]
      Pending approvals of remediate and cost-optimise (--all: decided and expired ones too).
  approvals decide <approvalId> approve|reject --as <name or e-mail> [--reason <text>]
                   [--env ${ENVIRONMENT_NAMES.join('|')}] [--table <name>] [--json]
      Approve or reject a pending approval; the approver is recorded.`;

export interface ApprovalsBackend {
  readonly table: ApprovalTable;
  readonly tasks: TaskAnswers;
  readonly clock?: () => Date;
  close(): void;
}

export type ConnectApprovals = (options: { environment: string; table?: string }) => ApprovalsBackend;

const OPTIONS = {
  env: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  as: { type: 'string' },
  reason: { type: 'string' },
} as const;

export async function approvalsCommand(
  args: readonly string[],
  io: CliIo,
  connect: ConnectApprovals = connectToEnvironment,
): Promise<number> {
  const [subcommand, ...rest] = args;
  const { values, positionals } = parseOptions(rest);
  const environment = values.env ?? 'development';
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) {
    throw new UsageError(
      `--env ${environment} is not an environment: expected one of ${ENVIRONMENT_NAMES.join(', ')}`,
    );
  }
  switch (subcommand) {
    case 'list': {
      refuse(positionals.length > 0, `approvals list takes no argument, got: ${positionals.join(' ')}`);
      refuse(
        values.as !== undefined || values.reason !== undefined,
        '--as and --reason are for approvals decide',
      );
      return withBackend(connect, environment, values.table, (backend) =>
        list(backend, io, { all: values.all === true, json: values.json === true }),
      );
    }
    case 'decide': {
      const request = decideRequest(positionals, values);
      return withBackend(connect, environment, values.table, (backend) =>
        decide(backend, io, request, values.json === true),
      );
    }
    default:
      throw new UsageError(
        subcommand === undefined
          ? 'approvals needs a subcommand: list or decide'
          : `Unknown approvals subcommand "${subcommand}": expected list or decide`,
      );
  }
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(optionProblem('approvals', args, OPTIONS, error as Error));
  }
}

function refuse(condition: boolean, message: string): void {
  if (condition) throw new UsageError(message);
}

interface DecideRequest {
  readonly approvalId: string;
  readonly decision: ApprovalDecision;
  readonly approver: string;
  readonly reason?: string;
}

function decideRequest(
  positionals: readonly string[],
  values: { as?: string; reason?: string; all?: boolean },
): DecideRequest {
  refuse(
    positionals.length !== 2,
    `approvals decide takes <approvalId> and approve|reject, got ${positionals.length} argument(s)`,
  );
  const [approvalId = '', decision = ''] = positionals;
  refuse(!approvalIdSchema.safeParse(approvalId).success, `"${approvalId}" is not an approval id (a UUID)`);
  refuse(
    !(APPROVAL_DECISIONS as readonly string[]).includes(decision),
    `"${decision}" is not a decision: expected approve or reject`,
  );
  const approver = values.as?.trim() ?? '';
  refuse(approver === '', '--as <name or e-mail> is required: the approver is recorded');
  refuse(approver.length > MAX_APPROVER_LENGTH, `--as is longer than ${MAX_APPROVER_LENGTH} characters`);
  const reason = values.reason?.trim();
  refuse(
    (reason?.length ?? 0) > MAX_REASON_LENGTH,
    `--reason is longer than ${MAX_REASON_LENGTH} characters`,
  );
  refuse(values.all === true, '--all is for approvals list');
  return { approvalId, decision: decision as ApprovalDecision, approver, ...(reason ? { reason } : {}) };
}

async function withBackend(
  connect: ConnectApprovals,
  environment: string,
  table: string | undefined,
  run: (backend: ApprovalsBackend) => Promise<number>,
): Promise<number> {
  const backend = connect({ environment, ...(table === undefined ? {} : { table }) });
  try {
    return await run(backend);
  } finally {
    backend.close();
  }
}

/** The deployed environment's table and Step Functions, in its region (the SDK's lookup otherwise). */
export function connectToEnvironment(options: { environment: string; table?: string }): ApprovalsBackend {
  const config = loadEnvironmentConfig(options.environment);
  const clientConfig = config.region ? { region: config.region } : {};
  const dynamoDb = new DynamoDBClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  return {
    // The OpsStack's table name (infra/stacks/ops-stack.ts).
    table: { dynamoDb, tableName: options.table ?? `lakehouse-ops-${config.name}-ops` },
    tasks: stepFunctionsTaskAnswers(sfn),
    close: () => {
      dynamoDb.destroy();
      sfn.destroy();
    },
  };
}

async function list(
  backend: ApprovalsBackend,
  io: CliIo,
  options: { all: boolean; json: boolean },
): Promise<number> {
  const now = epochSeconds((backend.clock ?? (() => new Date()))());
  const approvals = (await listApprovals(backend.table))
    .map((approval) => ({ approval, state: stateOf(approval, now) }))
    .filter(({ state }) => options.all || state === 'PENDING');
  if (options.json) {
    // Task tokens stay in the table: they answer the workflow and are nobody's business here.
    const shown = approvals.map(({ approval: { taskToken: _token, ...approval }, state }) => ({
      ...approval,
      state,
    }));
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT.ok;
  }
  if (approvals.length === 0) {
    writeLines(io.stdout, [options.all ? 'No approvals.' : 'No pending approvals.']);
    return EXIT.ok;
  }
  writeLines(
    io.stdout,
    approvals.flatMap(({ approval, state }) => [
      ...(approval.kind === 'change'
        ? [
            `${approval.approvalId}  ${state}  ${describeApproval(approval)}`,
            `    ${approval.changes.length} change(s), execution ${approval.executionId}`,
          ]
        : [
            `${approval.approvalId}  ${state}  ${approval.alert.alertname} -> ${describeAction(approval)}`,
            `    target ${describeTarget(approval.target)} (${approval.target.cluster}), execution ${approval.executionId}`,
          ]),
      `    ${stateDetail(approval, state)}`,
    ]),
  );
  return EXIT.ok;
}

/** PENDING past its deadline is EXPIRED, whether or not TTL has removed it yet. */
function stateOf(approval: ApprovalRecord, nowSeconds: number): string {
  return approval.status === 'PENDING' && approval.deadline <= nowSeconds ? 'EXPIRED' : approval.status;
}

function stateDetail(approval: ApprovalRecord, state: string): string {
  const deadline = new Date(approval.deadline * 1000).toISOString();
  if (state === 'PENDING') return `requested ${approval.requestedAt}, waits until ${deadline}`;
  const { decision } = approval;
  if (!decision) return `expired ${deadline} without a decision`;
  const by = `${decision.outcome.toLowerCase()} by ${decision.approver} at ${decision.decidedAt} (${decision.via})`;
  return approval.taskError ? `${by}, too late: ${approval.taskError}` : by;
}

async function decide(
  backend: ApprovalsBackend,
  io: CliIo,
  request: DecideRequest,
  json: boolean,
): Promise<number> {
  const outcome = await decideApproval(
    { table: backend.table, tasks: backend.tasks, ...(backend.clock ? { clock: backend.clock } : {}) },
    { ...request, via: 'cli' },
  );
  if (json) {
    io.stdout.write(`${JSON.stringify(outcomeJson(outcome), null, 2)}\n`);
  } else {
    const [stream, line] = outcomeLine(outcome, request.approvalId);
    writeLines(stream === 'out' ? io.stdout : io.stderr, [line]);
  }
  return outcome.outcome === 'decided' ? EXIT.ok : EXIT.failed;
}

function outcomeJson(outcome: DecisionOutcome): Record<string, unknown> {
  if (outcome.outcome === 'not-found') return { outcome: outcome.outcome };
  const { taskToken: _token, ...approval } = outcome.approval;
  return { ...outcome, approval };
}

function outcomeLine(outcome: DecisionOutcome, approvalId: string): ['out' | 'err', string] {
  switch (outcome.outcome) {
    case 'decided': {
      const { approval } = outcome;
      const verb = approval.decision?.outcome === 'APPROVED' ? 'approved' : 'rejected';
      return ['out', `${approvalId} ${verb}: ${describeApproval(approval)}`];
    }
    case 'already-decided': {
      const decision = outcome.approval.decision;
      return [
        'err',
        decision
          ? `${approvalId} was already ${decision.outcome.toLowerCase()} by ${decision.approver} at ${decision.decidedAt}; nothing changed`
          : `${approvalId} is being decided by someone else; nothing changed`,
      ];
    }
    case 'expired':
      return [
        'err',
        `${approvalId} expired at ${new Date(outcome.approval.deadline * 1000).toISOString()}; nothing changed`,
      ];
    case 'execution-gone':
      return [
        'err',
        `${approvalId}: the execution had stopped waiting (${outcome.taskError}); the decision is recorded but decided nothing`,
      ];
    case 'not-found':
      return ['err', `no approval ${approvalId} in this table`];
  }
}
