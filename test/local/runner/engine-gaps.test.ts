import '../../../local/compat/promise-with-resolvers.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../local/runner/definition.ts';
import { normalizeForLocalEngine } from '../../../local/runner/definition.ts';
import { bridgeEngineGaps, UnsupportedByLocalEngineError } from '../../../local/runner/engine-gaps.ts';
import type { LocalStep } from '../../../local/runner/local-step.ts';
import { TaskTokenBroker } from '../../../local/runner/task-tokens.ts';

const serializeThenFail = {
  StartAt: 'Serialize',
  States: {
    Serialize: {
      Type: 'Pass',
      Parameters: { 'cause.$': 'States.JsonToString($.report)', kind: 'report' },
      ResultPath: '$.verdict',
      Next: 'Fail',
    },
    Fail: { Type: 'Fail', Error: 'PlatformUnhealthy', CausePath: '$.verdict.cause' },
  },
} as unknown as AslDefinition;

function runBridged(
  definition: AslDefinition,
  steps: Record<string, LocalStep>,
  input: unknown,
  functions: Record<string, (payload: unknown) => Promise<unknown>> = {},
) {
  const run = {
    context: { Execution: { Name: 'exec-1' } },
    overrides: {},
    emit: () => undefined,
    invokeTask: (state: string, payload: unknown) => functions[state]!(payload),
  };
  const tasks = Object.fromEntries(
    Object.entries(steps).map(([name, step]) => [name, (stepInput: unknown) => step(stepInput, run)]),
  );
  return new StateMachine(definition).run(input as never, {
    overrides: { taskResourceLocalHandlers: tasks as never },
  });
}

async function causeOf(definition: AslDefinition, steps: Record<string, LocalStep>, input: unknown) {
  const execution = runBridged(definition, steps, input);
  let cause: unknown;
  for await (const event of execution.eventLogs) if (event.type === 'ExecutionFailed') cause = event.Cause;
  await execution.result.catch(() => undefined);
  return cause;
}

const approval = (timeoutSeconds: number) =>
  ({
    StartAt: 'RequestApproval',
    States: {
      RequestApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: 'arn:aws:lambda:eu-central-1:000000000000:function:approve',
          Payload: {
            'taskToken.$': '$$.Task.Token',
            'alert.$': '$.alert',
            'execution.$': '$$.Execution.Name',
          },
        },
        TimeoutSeconds: timeoutSeconds,
        ResultPath: '$.approval',
        Catch: [
          { ErrorEquals: ['ApprovalRejected', 'States.Timeout'], ResultPath: '$.refused', Next: 'Refused' },
        ],
        End: true,
      },
      Refused: { Type: 'Pass', End: true },
    },
  }) as unknown as AslDefinition;

describe('task-token Tasks', () => {
  function parkedApproval(timeoutSeconds = 60) {
    const taskTokens = new TaskTokenBroker();
    const bridged = bridgeEngineGaps('remediate', approval(timeoutSeconds), { taskTokens });
    const payloads: { taskToken: string; alert: string; execution: string }[] = [];
    // Registered before the run: the Task may park before runBridged returns.
    const parked = new Promise<string>((resolve) =>
      taskTokens.onParked((task) => setTimeout(() => resolve(task.token), 10)),
    );
    const execution = runBridged(
      bridged.definition,
      bridged.localSteps,
      { alert: 'PodCrashLooping' },
      {
        RequestApproval: async (payload) => {
          payloads.push(payload as (typeof payloads)[number]);
          return { notified: true };
        },
      },
    );
    return { taskTokens, execution, payloads, parked };
  }

  it("hands the function a token and continues with SendTaskSuccess's output", async () => {
    const { taskTokens, execution, payloads, parked } = parkedApproval();
    const token = await parked;
    expect(taskTokens.pending()).toEqual([
      expect.objectContaining({ token, executionName: 'exec-1', state: 'RequestApproval' }),
    ]);

    taskTokens.succeed(token, JSON.stringify({ approvedBy: 'alice' }));
    expect(await execution.result).toEqual({ alert: 'PodCrashLooping', approval: { approvedBy: 'alice' } });
    expect(payloads).toEqual([{ taskToken: token, alert: 'PodCrashLooping', execution: 'exec-1' }]);
    // A second answer (an approval link clicked twice) is refused as Step Functions refuses it.
    expect(() => taskTokens.succeed(token, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(() => taskTokens.fail('no-such-token')).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });

  it('ends in the Catch of the error SendTaskFailure names', async () => {
    const { taskTokens, execution, parked } = parkedApproval();
    taskTokens.fail(await parked, 'ApprovalRejected', 'rejected by bob');
    expect(await execution.result).toMatchObject({
      refused: { Error: 'ApprovalRejected', Cause: 'rejected by bob' },
    });
  });

  it('times out with States.Timeout when nobody answers within TimeoutSeconds', async () => {
    const { taskTokens, execution } = parkedApproval(1);
    expect(await execution.result).toMatchObject({ refused: { Error: 'States.Timeout' } });
    expect(taskTokens.pending()).toEqual([]);
  });
});

describe('bridgeEngineGaps', () => {
  const report = { detail: '{"errorType":"TransientError"}\nline two \\ backslash' };

  it('keeps JSON produced by States.JsonToString valid when strings hold quotes and backslashes', async () => {
    const bridged = bridgeEngineGaps('test', serializeThenFail);
    expect(bridged.originalTypes).toEqual({ Serialize: 'Pass' });
    const cause = await causeOf(bridged.definition, bridged.localSteps, { report });
    expect(JSON.parse(String(cause))).toEqual(report);
  });

  it("keeps JSON from States.JsonToString valid in a Lambda Task's payload, invoking the Task's function", async () => {
    const definition = {
      StartAt: 'RecordFailure',
      States: {
        RecordFailure: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-central-1:000000000000:function:record',
          Parameters: { 'error.$': 'States.JsonToString($.report)', 'owner.$': '$$.Execution.Name' },
          ResultPath: '$.journal',
          End: true,
        },
      },
    } as unknown as AslDefinition;
    const bridged = bridgeEngineGaps('dr-failover', definition);
    expect(bridged.originalTypes).toEqual({ RecordFailure: 'Task' });
    const payloads: unknown[] = [];
    const execution = runBridged(
      bridged.definition,
      bridged.localSteps,
      { report },
      {
        RecordFailure: async (payload) => {
          payloads.push(payload);
          return { recorded: true };
        },
      },
    );
    expect(await execution.result).toEqual({ report, journal: { recorded: true } });
    expect(payloads).toEqual([{ error: JSON.stringify(report), owner: 'exec-1' }]);
  });

  it('is needed: the engine alone strips the backslashes and breaks the JSON', async () => {
    const cause = await causeOf(serializeThenFail, {}, { report });
    expect(() => JSON.parse(String(cause))).toThrow();
  });

  it('leaves definitions without gaps untouched', () => {
    const definition = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'a.$': '$.b' }, End: true } },
    } as unknown as AslDefinition;
    const bridged = bridgeEngineGaps('test', definition);
    expect(bridged.definition).toEqual(definition);
    expect(bridged.localSteps).toEqual({});
  });

  it("gives a Task without a timeout its Lambda function's, where the engine would stop it at 60 s", () => {
    const definition = {
      StartAt: 'Dump',
      States: {
        Dump: { Type: 'Task', Resource: 'arn:aws:lambda:eu-central-1:000000000000:function:d', Next: 'Copy' },
        Copy: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-central-1:000000000000:function:c',
          TimeoutSeconds: 30,
          End: true,
        },
      },
    } as unknown as AslDefinition;
    const bridged = bridgeEngineGaps('backup', definition, { taskTimeouts: { Dump: 720, Copy: 900 } });
    const states = bridged.definition.States as Record<string, { TimeoutSeconds?: number }>;
    expect(states.Dump?.TimeoutSeconds).toBe(721);
    expect(states.Copy?.TimeoutSeconds).toBe(30);
    expect(bridged.retimedTasks).toEqual(['Dump']);
  });

  it('refuses task tokens and Distributed Map ResultWriter, naming each state', () => {
    const definition = {
      StartAt: 'Approve',
      States: {
        Approve: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish.waitForTaskToken', Next: 'Copy' },
        Copy: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } },
          ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b' } },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'X',
            States: { X: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    } as unknown as AslDefinition;
    expect(() => bridgeEngineGaps('dr-failover', definition)).toThrow(UnsupportedByLocalEngineError);
    expect(() => bridgeEngineGaps('dr-failover', definition)).toThrow(
      /Approve: task token[\s\S]*Copy: Distributed Map ResultWriter/,
    );
  });
});

describe('normalizeForLocalEngine', () => {
  it('drops ResultPath "$" from states and catchers, nested ones included, and nothing else', () => {
    const definition = {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Parallel',
          ResultPath: '$.checks',
          End: true,
          Branches: [
            {
              StartAt: 'T',
              States: {
                T: {
                  Type: 'Task',
                  Resource: 'arn',
                  ResultPath: '$',
                  Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'E' }],
                  End: true,
                },
                E: { Type: 'Pass', End: true },
              },
            },
          ],
        },
      },
    } as unknown as AslDefinition;
    const normalized = normalizeForLocalEngine(definition) as unknown as {
      States: {
        Run: {
          ResultPath: string;
          Branches: { States: { T: Record<string, unknown> & { Catch: Record<string, unknown>[] } } }[];
        };
      };
    };
    expect(normalized.States.Run.ResultPath).toBe('$.checks');
    const task = normalized.States.Run.Branches[0]!.States.T;
    expect(task).not.toHaveProperty('ResultPath');
    expect(task.Catch[0]).not.toHaveProperty('ResultPath');
    expect(definition.States.Run).toHaveProperty('Branches.0.States.T.ResultPath', '$');
  });
});
