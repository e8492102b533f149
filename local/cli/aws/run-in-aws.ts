import {
  type HistoryEvent,
  paginateGetExecutionHistory,
  paginateListStateMachines,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { stateMachineName } from '../../../infra/constructs/workflow.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { executionResultFromHistory, isTerminalEvent } from './history-timeline.ts';

/**
 * `lakehouse-ops run` without --local: starts the deployed state machine of the environment
 * (found by its name, `lakehouse-ops-<env>-<workflow>`, as operators see it in the console) and
 * follows its execution history until the execution ends.
 */
export interface RunInAwsOptions {
  readonly sfn: SFNClient;
  readonly environment: string;
  readonly workflow: string;
  readonly input: unknown;
  readonly pollIntervalMs?: number;
  /** Called once the execution has started, before following it. */
  readonly onStarted?: (executionArn: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class StateMachineNotFoundError extends Error {
  override readonly name = 'StateMachineNotFoundError';
}

const DEFAULT_POLL_INTERVAL_MS = 2000;

export async function findStateMachineArn(sfn: SFNClient, name: string): Promise<string> {
  for await (const page of paginateListStateMachines({ client: sfn }, {})) {
    const match = page.stateMachines?.find((stateMachine) => stateMachine.name === name);
    if (match?.stateMachineArn) return match.stateMachineArn;
  }
  const region = await sfn.config.region();
  throw new StateMachineNotFoundError(
    `State machine ${name} not found in ${region}: is the stack of this environment deployed there (npx cdk deploy -c env=...)?`,
  );
}

export async function runInAws(options: RunInAwsOptions): Promise<ExecutionResult> {
  const { sfn, workflow } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const stateMachineArn = await findStateMachineArn(sfn, stateMachineName(options.environment, workflow));
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      input: JSON.stringify(options.input),
      name: `cli-${Date.now()}`,
    }),
  );
  if (!executionArn) throw new Error(`StartExecution on ${stateMachineArn} returned no executionArn`);
  options.onStarted?.(executionArn);

  for (;;) {
    const events = await readHistory(sfn, executionArn);
    if (events.some(isTerminalEvent)) return executionResultFromHistory(workflow, events);
    await sleep(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  }
}

/** The whole history so far, oldest first (re-read on each poll: page tokens are not a cursor). */
async function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  const pages = paginateGetExecutionHistory(
    { client: sfn, pageSize: 1000 },
    { executionArn, includeExecutionData: true, reverseOrder: false },
  );
  for await (const page of pages) events.push(...(page.events ?? []));
  return events;
}
