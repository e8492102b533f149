import '../../../local/compat/promise-with-resolvers.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../local/runner/definition.ts';
import { normalizeForLocalEngine } from '../../../local/runner/definition.ts';
import { bridgeEngineGaps, UnsupportedByLocalEngineError } from '../../../local/runner/engine-gaps.ts';

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

async function causeOf(
  definition: AslDefinition,
  tasks: Record<string, (input: unknown) => Promise<unknown>>,
  input: unknown,
) {
  const execution = new StateMachine(definition).run(input as never, {
    overrides: { taskResourceLocalHandlers: tasks as never },
  });
  let cause: unknown;
  for await (const event of execution.eventLogs) if (event.type === 'ExecutionFailed') cause = event.Cause;
  await execution.result.catch(() => undefined);
  return cause;
}

describe('bridgeEngineGaps', () => {
  const report = { detail: '{"errorType":"TransientError"}\nline two \\ backslash' };

  it('keeps JSON produced by States.JsonToString valid when strings hold quotes and backslashes', async () => {
    const bridged = bridgeEngineGaps('test', serializeThenFail);
    expect(bridged.originalTypes).toEqual({ Serialize: 'Pass' });
    const cause = await causeOf(bridged.definition, bridged.localSteps, { report });
    expect(JSON.parse(String(cause))).toEqual(report);
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

  it('refuses ItemReader and task tokens, naming each state', () => {
    const definition = {
      StartAt: 'Approve',
      States: {
        Approve: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish.waitForTaskToken', Next: 'Copy' },
        Copy: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2' },
          ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    } as unknown as AslDefinition;
    expect(() => bridgeEngineGaps('dr-failover', definition)).toThrow(UnsupportedByLocalEngineError);
    expect(() => bridgeEngineGaps('dr-failover', definition)).toThrow(
      /Approve: task token[\s\S]*Copy: Distributed Map ItemReader/,
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
