import {
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildOffHoursReport } from '../../../../functions/core/cost/off-hours/report.ts';
import type { OffHoursRequest } from '../../../../functions/core/cost/off-hours/request.ts';
import { type StartWorkflow, wakeCommand } from '../../../../local/cli/commands/wake.ts';
import { main } from '../../../../local/cli/main.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';
import { succeededHistory } from '../aws/history-events.ts';
import { captureIo } from '../support/captured-io.ts';

const sfnMock = mockClient(SFNClient);
const STAGING_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:lakehouse-ops-staging-off-hours';

function recordingStart(result: Partial<ExecutionResult> = {}) {
  const started: { environment: string; input: OffHoursRequest; local: boolean }[] = [];
  const start: StartWorkflow = async ({ environment, input, local }) => {
    started.push({ environment, input, local });
    return {
      workflow: 'off-hours',
      status: 'SUCCEEDED',
      output: { status: 'AWAKE', message: 'staging is awake: 4 changes restored from the saved state' },
      durationMs: 10,
      timeline: [],
      ...result,
    } as ExecutionResult;
  };
  return { start, started };
}

describe('wakeCommand', () => {
  beforeEach(() => sfnMock.reset());

  it('starts the off-hours workflow with action wake, who asked and why, and prints the outcome', async () => {
    const { io, stdout } = captureIo();
    const { start, started } = recordingStart();

    const code = await wakeCommand(['staging', '--reason', 'release test', '--as', 'alice'], io, start);

    expect(code).toBe(0);
    expect(started).toEqual([
      {
        environment: 'staging',
        local: false,
        input: { action: 'wake', dryRun: false, requestedBy: 'alice', reason: 'release test' },
      },
    ]);
    expect(stdout()).toContain('staging is awake: 4 changes restored from the saved state');
  });

  it('passes --dry-run and --local through and names the operator when --as is not given', async () => {
    const { start, started } = recordingStart();

    await wakeCommand(['development', '--dry-run', '--local'], captureIo().io, start);

    expect(started[0]).toMatchObject({ environment: 'development', local: true, input: { dryRun: true } });
    expect(started[0]?.input.requestedBy).toMatch(/\(lakehouse-ops wake\)$/);
  });

  it.each([[['local']], [['local', '--local']]])(
    'wakes the local lakehouse with %j, on the stack the drill runs',
    async (args) => {
      const { start, started } = recordingStart();

      expect(await wakeCommand([...args, '--as', 'alice'], captureIo().io, start)).toBe(0);

      expect(started).toEqual([
        {
          environment: 'development',
          local: true,
          input: { action: 'wake', dryRun: false, requestedBy: 'alice' },
        },
      ]);
    },
  );

  it.each([
    ['local', true],
    ['staging', false],
  ])(
    'accepts the wake hint an off-hours report in %s gives, where that environment runs',
    async (environment, local) => {
      const report = buildOffHoursReport({
        environment,
        executionId: 'execution-1',
        failure: { Error: 'Drill' },
      });
      const [program, command, ...args] = report.wakeCommand.split(' ');
      expect([program, command]).toEqual(['lakehouse-ops', 'wake']);
      const { start, started } = recordingStart();

      expect(await wakeCommand(args, captureIo().io, start)).toBe(0);

      expect(started[0]).toMatchObject({ local });
    },
  );

  it('exits 1 with the cause when the workflow fails', async () => {
    const { io, stdout } = captureIo();
    const { start } = recordingStart({
      status: 'FAILED',
      output: undefined,
      cause: 'off-hours lock staging is held by x',
    });

    expect(await wakeCommand(['staging'], io, start)).toBe(1);
    expect(stdout()).toContain('off-hours lock staging is held by x');
  });

  it("starts the environment's deployed state machine in AWS by default", async () => {
    sfnMock.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: 'lakehouse-ops-staging-off-hours',
          stateMachineArn: STAGING_ARN,
          type: 'STANDARD',
          creationDate: new Date(),
        },
      ],
    });
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${STAGING_ARN}:cli-1`, startDate: new Date() });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolves({ events: succeededHistory({ status: 'NOT_ASLEEP', message: 'staging is not asleep' }) });
    const { io, stdout, stderr } = captureIo();

    const code = await wakeCommand(['staging', '--as', 'alice'], io);

    expect(code).toBe(0);
    const [call] = sfnMock.commandCalls(StartExecutionCommand);
    expect(call?.args[0].input).toMatchObject({ stateMachineArn: STAGING_ARN });
    expect(JSON.parse(call?.args[0].input.input ?? '')).toEqual({
      action: 'wake',
      dryRun: false,
      requestedBy: 'alice',
    });
    expect(stderr()).toContain(`started ${STAGING_ARN}:cli-1`);
    expect(stdout()).toContain('staging is not asleep');
  });
});

describe('lakehouse-ops wake usage errors', () => {
  const usage = async (args: string[]) => {
    const { io, stderr } = captureIo();
    const code = await main(['wake', ...args], io);
    return { code, stderr: stderr() };
  };

  it('refuses production, which never sleeps, with exit code 2', async () => {
    expect(await usage(['production'])).toEqual({
      code: 2,
      stderr: expect.stringContaining(
        'production never sleeps: off-hours scale-down runs only in development and staging',
      ),
    });
  });

  it('refuses a missing or unknown environment and unknown options, with exit code 2', async () => {
    expect(await usage([])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'wake takes one environment (development or staging, or local for the local lakehouse), got none',
      ),
    });
    expect(await usage(['qa'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'qa is not an environment: expected development or staging, or local for the local lakehouse',
      ),
    });
    expect(await usage(['staging', '--force'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'unknown option --force for wake; expected: --reason <value>, --as <value>, --dry-run, --local, --json',
      ),
    });
  });

  it('refuses a reason longer than the audit trail keeps', async () => {
    expect(await usage(['staging', '--reason', 'x'.repeat(501)])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Cannot wake staging: reason:'),
    });
  });
});
