import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { queryAll } from '../../../commons/dynamodb-pages.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import {
  FailoverClosedError,
  FailoverNotFoundError,
  FailoverStepConflictError,
  FailoverStepInProgressError,
  UnfinishedFailoverError,
} from './errors.ts';
import type { FailoverMode, FailoverRequest } from './request.ts';
import { FAILOVER_STEPS, type JournalStep } from './steps.ts';

/**
 * The failover's step journal on the ops table (docs/dr.md, "Failover gates and the step journal"),
 * so that a failover stopped half-way continues where it was, without doing any step twice:
 *
 * - `pk = FAILOVER#<environment>`, `sk = UNFINISHED`: the environment's one unfinished failover.
 *   Created with a conditional put, so two executions opening a failover at once end up in the
 *   same one; deleted when the failover is closed.
 * - `pk = FAILOVER#<environment>#<failoverId>`, `sk = RUN`: the failover itself (request, status,
 *   open and close times), kept after it is closed, with its steps in the same partition:
 * - `sk = STEP#<step>`: each step's status (STARTED, SUCCEEDED, FAILED), owner (the execution
 *   running it), attempts and times. Starting is one conditional update that only succeeds on a
 *   step that is new, FAILED, or STARTED by an owner whose lease has expired (an execution that
 *   was stopped mid-step); a SUCCEEDED step is reported as skipped, never started again, and a
 *   step another live execution holds is refused. Finishing is conditional on still owning it.
 *
 * A step interrupted between its action and its finish runs again on the next attempt, so each
 * step's action must be idempotent; the journal guarantees the rest. Items never expire: the
 * journal is the failover's record for the RTO report.
 */
export interface JournalTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  /** Injected so tests can move time; defaults to the system clock. */
  clock?: () => Date;
}

export type FailoverStatus = 'OPEN' | 'COMPLETED' | 'ABANDONED';
export type StepStatus = 'STARTED' | 'SUCCEEDED' | 'FAILED';
export type StepOutcome = Exclude<StepStatus, 'STARTED'>;

export interface FailoverRun {
  environment: string;
  failoverId: string;
  mode: FailoverMode;
  reason: string;
  requestedBy: string;
  openedAt: string;
  openedBy: string;
  status: FailoverStatus;
  closedAt?: string;
  closedBy?: string;
}

export interface StepRecord {
  step: string;
  status: StepStatus;
  /** The execution that runs (or ran) the latest attempt. */
  owner: string;
  attempts: number;
  firstStartedAt: string;
  /** The latest attempt's start. */
  startedAt: string;
  /** Epoch seconds; past it, another execution may take a STARTED step over. */
  leaseExpiresAt: number;
  finishedAt?: string;
  /** The latest attempt's duration. */
  durationSeconds?: number;
  output?: unknown;
  error?: string;
}

export interface Journal {
  run: FailoverRun;
  steps: StepRecord[];
}

export interface OpenedFailover {
  run: FailoverRun;
  /** true when an unfinished failover was found and is being continued. */
  resumed: boolean;
}

export interface StepStart {
  /** true when the step is recorded SUCCEEDED: the workflow must not run it again. */
  skip: boolean;
  step: StepRecord;
  /** The execution whose attempt was STARTED and whose lease had expired: this one took the step over. */
  tookOverFrom?: string;
}

const UNFINISHED_SORT_KEY = 'UNFINISHED';
const RUN_SORT_KEY = 'RUN';
/** A step's output is for the report; the execution history keeps anything larger. */
export const MAX_OUTPUT_JSON_LENGTH = 32_000;

export function failoverPartitionKey(environment: string): string {
  return `FAILOVER#${environment}`;
}

export function failoverRunKey(environment: string, failoverId: string): string {
  return `FAILOVER#${environment}#${failoverId}`;
}

export function stepSortKey(step: string): string {
  return `STEP#${step}`;
}

export function newFailoverId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * The environment's unfinished failover, continued, or a new one. Two executions opening at once
 * race on one conditional put: the loser continues the winner's failover.
 */
export async function openFailover(
  table: JournalTable,
  { environment, request, owner }: { environment: string; request: FailoverRequest; owner: string },
): Promise<OpenedFailover> {
  const now = clockOf(table)();
  const pointerKey = { pk: { S: failoverPartitionKey(environment) }, sk: { S: UNFINISHED_SORT_KEY } };
  // A few rounds at most: a failover closed between our failed put and our read leaves the place free.
  for (let round = 0; round < 3; round += 1) {
    const unfinished = await getItem(table, pointerKey);
    if (unfinished) {
      const run = runOf(unfinished);
      if (await isClosed(table, environment, run.failoverId)) {
        // Its close stopped between marking the run closed and freeing the environment.
        await freeEnvironment(table, environment, run.failoverId);
        continue;
      }
      if (run.mode !== request.mode) {
        throw new UnfinishedFailoverError(
          `a ${run.mode} failover (${run.failoverId}, opened ${run.openedAt} by ${run.requestedBy}: ${run.reason}) is unfinished in ${environment}; ` +
            `re-run it with mode "${run.mode}" to continue it, or abandon it before starting a ${request.mode} failover`,
          { environment, failoverId: run.failoverId, mode: run.mode, requestedMode: request.mode },
        );
      }
      await writeRunOnce(table, run);
      return { run, resumed: true };
    }
    const run: FailoverRun = {
      environment,
      failoverId: newFailoverId(now),
      mode: request.mode,
      reason: request.reason,
      requestedBy: request.requestedBy,
      openedAt: now.toISOString(),
      openedBy: owner,
      status: 'OPEN',
    };
    const created = await conditionally(() =>
      send(table, 'PutItem', failoverPartitionKey(environment), (tableName) =>
        table.dynamoDb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...pointerKey, ...runAttributes(run) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    if (created) {
      await writeRunOnce(table, run);
      return { run, resumed: false };
    }
  }
  throw new UnfinishedFailoverError(
    `failovers in ${environment} are being opened and closed concurrently; retry`,
    { environment },
  );
}

/** Records the start of `step`, or says to skip it (SUCCEEDED already). */
export async function startStep(
  table: JournalTable,
  {
    environment,
    failoverId,
    step,
    owner,
    leaseSeconds,
  }: { environment: string; failoverId: string; step: JournalStep; owner: string; leaseSeconds: number },
): Promise<StepStart> {
  await requireOpenRun(table, environment, failoverId);
  const now = clockOf(table)();
  const nowSeconds = epochSeconds(now);
  const key = stepKey(environment, failoverId, step);
  const started = await conditionally(() =>
    send(table, 'UpdateItem', key.pk.S, (tableName) =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression:
            'SET #step = :step, #status = :started, #owner = :owner, startedAt = :now, startedAtMs = :nowMs, ' +
            'leaseExpiresAt = :lease, firstStartedAt = if_not_exists(firstStartedAt, :now), ' +
            'attempts = if_not_exists(attempts, :zero) + :one ' +
            'REMOVE finishedAt, durationMs, #output, #error',
          ConditionExpression:
            'attribute_not_exists(pk) OR #status = :failed OR (#status = :started AND leaseExpiresAt < :nowSeconds AND #owner <> :owner)',
          ExpressionAttributeNames: {
            '#step': 'step',
            '#status': 'status',
            '#owner': 'owner',
            '#output': 'output',
            '#error': 'error',
          },
          ExpressionAttributeValues: {
            ':step': { S: step },
            ':started': { S: 'STARTED' },
            ':failed': { S: 'FAILED' },
            ':owner': { S: owner },
            ':now': { S: now.toISOString() },
            ':nowMs': { N: String(now.getTime()) },
            ':nowSeconds': { N: String(nowSeconds) },
            ':lease': { N: String(nowSeconds + leaseSeconds) },
            ':zero': { N: '0' },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    ),
  );
  if (started) {
    const previous = started.Attributes;
    const record = await readStep(table, environment, failoverId, step);
    if (!record)
      throw new FailoverStepConflictError(`step ${step} vanished right after it was started`, { step });
    const tookOverFrom = previous?.status?.S === 'STARTED' ? previous.owner?.S : undefined;
    return { skip: false, step: record, ...(tookOverFrom ? { tookOverFrom } : {}) };
  }
  const current = await readStep(table, environment, failoverId, step);
  if (!current) {
    throw new FailoverStepConflictError(
      `step ${step} of failover ${failoverId} could not be started; retry`,
      {
        step,
        failoverId,
      },
    );
  }
  if (current.status === 'SUCCEEDED') return { skip: true, step: current };
  // The same execution asking again (its first call's answer was lost): the step is still its own.
  if (current.owner === owner) return { skip: false, step: current };
  throw new FailoverStepInProgressError(
    `step ${step} of failover ${failoverId} is being run by ${current.owner} (started ${current.startedAt}, lease until ${isoOf(current.leaseExpiresAt)}); ` +
      'wait for it to finish or for its lease to expire, never run it a second time',
    {
      step,
      failoverId,
      holder: current.owner,
      leaseExpiresAt: current.leaseExpiresAt,
      retryAfterSeconds: Math.max(1, current.leaseExpiresAt - nowSeconds),
    },
  );
}

/** Records the end of the owner's attempt at `step`. Repeating the same finish changes nothing. */
export async function finishStep(
  table: JournalTable,
  {
    environment,
    failoverId,
    step,
    owner,
    outcome,
    output,
    error,
  }: {
    environment: string;
    failoverId: string;
    step: JournalStep;
    owner: string;
    outcome: StepOutcome;
    output?: unknown;
    error?: string;
  },
): Promise<StepRecord> {
  const now = clockOf(table)();
  const key = stepKey(environment, failoverId, step);
  const values: Record<string, AttributeValue> = {
    ':outcome': { S: outcome },
    ':started': { S: 'STARTED' },
    ':owner': { S: owner },
    ':now': { S: now.toISOString() },
    ':nowMs': { N: String(now.getTime()) },
  };
  const assignments = ['#status = :outcome', 'finishedAt = :now', 'durationMs = :nowMs - startedAtMs'];
  if (output !== undefined) {
    values[':output'] = { S: outputJson(output) };
    assignments.push('#output = :output');
  }
  if (error !== undefined) {
    values[':error'] = { S: error.slice(0, 4_000) };
    assignments.push('#error = :error');
  }
  const finished = await conditionally(() =>
    send(table, 'UpdateItem', key.pk.S, (tableName) =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: '#status = :started AND #owner = :owner',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#owner': 'owner',
            ...(output === undefined ? {} : { '#output': 'output' }),
            ...(error === undefined ? {} : { '#error': 'error' }),
          },
          ExpressionAttributeValues: values,
        }),
      ),
    ),
  );
  const current = await readStep(table, environment, failoverId, step);
  if (finished && current) return current;
  if (current && current.owner === owner && current.status === outcome) return current;
  const state = current ? `it is ${current.status} by ${current.owner}` : 'it was never started';
  throw new FailoverStepConflictError(
    `cannot record ${outcome} for step ${step} of failover ${failoverId} by ${owner}: ${state}`,
    { step, failoverId, owner, outcome, current: current?.status, currentOwner: current?.owner },
  );
}

/**
 * Closes the failover: COMPLETED once every planned step SUCCEEDED, or ABANDONED (gates failed
 * and not forced, or a person decided not to continue). The environment is then free for the next.
 */
export async function closeFailover(
  table: JournalTable,
  {
    environment,
    failoverId,
    owner,
    status,
    plan = FAILOVER_STEPS,
  }: {
    environment: string;
    failoverId: string;
    owner: string;
    status: Exclude<FailoverStatus, 'OPEN'>;
    plan?: readonly string[];
  },
): Promise<FailoverRun> {
  const journal = await readJournal(table, environment, failoverId);
  if (journal.run.status !== 'OPEN') {
    if (journal.run.status === status) return journal.run;
    throw new FailoverClosedError(
      `failover ${failoverId} is already ${journal.run.status} (closed ${journal.run.closedAt} by ${journal.run.closedBy})`,
      { failoverId, status: journal.run.status },
    );
  }
  const remaining = nextStep(journal, plan);
  if (status === 'COMPLETED' && remaining !== undefined) {
    throw new FailoverStepConflictError(
      `failover ${failoverId} cannot be COMPLETED: step ${remaining} has not SUCCEEDED`,
      { failoverId, step: remaining },
    );
  }
  const now = clockOf(table)().toISOString();
  const runKey = { pk: { S: failoverRunKey(environment, failoverId) }, sk: { S: RUN_SORT_KEY } };
  const closed = await conditionally(() =>
    send(table, 'UpdateItem', runKey.pk.S, (tableName) =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: runKey,
          UpdateExpression: 'SET #status = :status, closedAt = :now, closedBy = :owner',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: status },
            ':now': { S: now },
            ':owner': { S: owner },
            ':open': { S: 'OPEN' },
          },
        }),
      ),
    ),
  );
  if (!closed) return closeFailover(table, { environment, failoverId, owner, status, plan });
  await freeEnvironment(table, environment, failoverId);
  return { ...journal.run, status, closedAt: now, closedBy: owner };
}

async function isClosed(table: JournalTable, environment: string, failoverId: string): Promise<boolean> {
  const item = await getItem(table, {
    pk: { S: failoverRunKey(environment, failoverId) },
    sk: { S: RUN_SORT_KEY },
  });
  return item !== undefined && runOf(item).status !== 'OPEN';
}

/** Deletes the environment's unfinished-failover pointer if it is still this failover's. */
async function freeEnvironment(table: JournalTable, environment: string, failoverId: string): Promise<void> {
  // Only this failover's pointer: a newer failover may already have taken the place.
  await conditionally(() =>
    send(table, 'DeleteItem', failoverPartitionKey(environment), (tableName) =>
      table.dynamoDb.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { pk: { S: failoverPartitionKey(environment) }, sk: { S: UNFINISHED_SORT_KEY } },
          ConditionExpression: 'failoverId = :id',
          ExpressionAttributeValues: { ':id': { S: failoverId } },
        }),
      ),
    ),
  );
}

export async function readJournal(
  table: JournalTable,
  environment: string,
  failoverId: string,
): Promise<Journal> {
  const pk = failoverRunKey(environment, failoverId);
  const items = await queryAll(
    table.dynamoDb,
    {
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
    },
    `dynamodb:Query ${table.tableName} ${pk}`,
  );
  const runItem = items.find((item) => item.sk?.S === RUN_SORT_KEY);
  if (!runItem) {
    throw new FailoverNotFoundError(`no failover ${failoverId} in ${environment}`, {
      environment,
      failoverId,
    });
  }
  return {
    run: runOf(runItem),
    steps: items.filter((item) => item.sk?.S?.startsWith('STEP#')).map(stepOf),
  };
}

/** The first step of `plan` that has not SUCCEEDED, or undefined when the whole plan has. */
export function nextStep(journal: Journal, plan: readonly string[] = FAILOVER_STEPS): string | undefined {
  return plan.find((step) => !isDone(journal, step));
}

export function isDone(journal: Journal, step: string): boolean {
  return journal.steps.some((record) => record.step === step && record.status === 'SUCCEEDED');
}

export interface StepTiming {
  step: string;
  status: StepStatus | 'PENDING';
  attempts: number;
  firstStartedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  /** From the failover's opening to this step's end: where the RTO went. */
  secondsSinceOpened?: number;
}

/** Each planned step's timing, in plan order, for the RTO report. */
export function stepTimings(journal: Journal, plan: readonly string[] = FAILOVER_STEPS): StepTiming[] {
  const openedMs = Date.parse(journal.run.openedAt);
  return plan.map((step) => {
    const record = journal.steps.find((candidate) => candidate.step === step);
    if (!record) return { step, status: 'PENDING', attempts: 0 };
    return {
      step,
      status: record.status,
      attempts: record.attempts,
      firstStartedAt: record.firstStartedAt,
      ...(record.finishedAt
        ? {
            finishedAt: record.finishedAt,
            durationSeconds: record.durationSeconds,
            secondsSinceOpened: Math.round((Date.parse(record.finishedAt) - openedMs) / 1000),
          }
        : {}),
    };
  });
}

async function requireOpenRun(table: JournalTable, environment: string, failoverId: string): Promise<void> {
  const item = await getItem(table, {
    pk: { S: failoverRunKey(environment, failoverId) },
    sk: { S: RUN_SORT_KEY },
  });
  if (!item) {
    throw new FailoverNotFoundError(`no failover ${failoverId} in ${environment}: open it first`, {
      environment,
      failoverId,
    });
  }
  const run = runOf(item);
  if (run.status !== 'OPEN') {
    throw new FailoverClosedError(`failover ${failoverId} is ${run.status}: it takes no more steps`, {
      failoverId,
      status: run.status,
    });
  }
}

async function readStep(
  table: JournalTable,
  environment: string,
  failoverId: string,
  step: string,
): Promise<StepRecord | undefined> {
  const item = await getItem(table, stepKey(environment, failoverId, step));
  return item ? stepOf(item) : undefined;
}

/** The run item, written once; a crash between the pointer and it is repaired by the next open. */
async function writeRunOnce(table: JournalTable, run: FailoverRun): Promise<void> {
  await conditionally(() =>
    send(table, 'PutItem', failoverRunKey(run.environment, run.failoverId), (tableName) =>
      table.dynamoDb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: failoverRunKey(run.environment, run.failoverId) },
            sk: { S: RUN_SORT_KEY },
            ...runAttributes(run),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ),
  );
}

function stepKey(environment: string, failoverId: string, step: string) {
  return { pk: { S: failoverRunKey(environment, failoverId) }, sk: { S: stepSortKey(step) } };
}

function runAttributes(run: FailoverRun): Record<string, AttributeValue> {
  return {
    environment: { S: run.environment },
    failoverId: { S: run.failoverId },
    mode: { S: run.mode },
    reason: { S: run.reason },
    requestedBy: { S: run.requestedBy },
    openedAt: { S: run.openedAt },
    openedBy: { S: run.openedBy },
    status: { S: run.status },
  };
}

function runOf(item: Record<string, AttributeValue>): FailoverRun {
  const text = (name: string) => item[name]?.S;
  return {
    environment: text('environment') ?? '',
    failoverId: text('failoverId') ?? '',
    mode: (text('mode') ?? 'real') as FailoverMode,
    reason: text('reason') ?? '',
    requestedBy: text('requestedBy') ?? '',
    openedAt: text('openedAt') ?? '',
    openedBy: text('openedBy') ?? '',
    status: (text('status') ?? 'OPEN') as FailoverStatus,
    ...(text('closedAt') ? { closedAt: text('closedAt'), closedBy: text('closedBy') } : {}),
  };
}

function stepOf(item: Record<string, AttributeValue>): StepRecord {
  const text = (name: string) => item[name]?.S;
  const number = (name: string) => (item[name]?.N === undefined ? undefined : Number(item[name]?.N));
  const output = text('output');
  const durationMs = number('durationMs');
  return {
    step: text('step') ?? '',
    status: (text('status') ?? 'STARTED') as StepStatus,
    owner: text('owner') ?? '',
    attempts: number('attempts') ?? 0,
    firstStartedAt: text('firstStartedAt') ?? '',
    startedAt: text('startedAt') ?? '',
    leaseExpiresAt: number('leaseExpiresAt') ?? 0,
    ...(text('finishedAt') ? { finishedAt: text('finishedAt') } : {}),
    ...(durationMs === undefined ? {} : { durationSeconds: Math.round(durationMs / 100) / 10 }),
    ...(output === undefined ? {} : { output: JSON.parse(output) as unknown }),
    ...(text('error') ? { error: text('error') } : {}),
  };
}

function outputJson(output: unknown): string {
  const json = JSON.stringify(output) ?? 'null';
  return json.length <= MAX_OUTPUT_JSON_LENGTH
    ? json
    : JSON.stringify({ truncated: true, length: json.length, head: json.slice(0, MAX_OUTPUT_JSON_LENGTH) });
}

async function getItem(
  table: JournalTable,
  key: Record<string, AttributeValue>,
): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await send(table, 'GetItem', key.pk?.S ?? '', (tableName) =>
    table.dynamoDb.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
  );
  return Item;
}

function send<Result>(
  table: JournalTable,
  operation: string,
  pk: string,
  call: (tableName: string) => Promise<Result>,
): Promise<Result> {
  return callAws(`dynamodb:${operation} ${table.tableName} ${pk}`, () => call(table.tableName));
}

/** The write's result, or undefined when its condition did not hold. */
async function conditionally<Result>(write: () => Promise<Result>): Promise<Result | undefined> {
  try {
    return await write();
  } catch (error) {
    if ((error as Error | undefined)?.name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

function clockOf(table: JournalTable): () => Date {
  return table.clock ?? (() => new Date());
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function isoOf(epoch: number): string {
  return new Date(epoch * 1000).toISOString();
}
