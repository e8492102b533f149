import { describe, expect, it } from 'vitest';
import { aslToMermaid, describeCondition } from '../../../local/runbook-sync/asl-to-mermaid.ts';
import { applySections, MissingSectionError } from '../../../local/runbook-sync/generated-sections.ts';

describe('aslToMermaid', () => {
  it('draws tasks, choices, catches and a parallel fork with its join', () => {
    const diagram = aslToMermaid({
      StartAt: 'Fork',
      States: {
        Fork: {
          Type: 'Parallel',
          Next: 'Decide',
          Branches: [
            {
              StartAt: 'CheckA',
              States: {
                CheckA: {
                  Type: 'Task',
                  End: true,
                  Retry: [{ ErrorEquals: ['TransientError'] }],
                  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordA' }],
                },
                RecordA: { Type: 'Pass', End: true },
              },
            },
          ],
        },
        Decide: {
          Type: 'Choice',
          Choices: [{ Variable: '$.status', StringEquals: 'HEALTHY', Next: 'Done' }],
          Default: 'Broken',
        },
        Done: { Type: 'Succeed' },
        Broken: { Type: 'Fail', Error: 'PlatformUnhealthy' },
      },
    });
    expect(diagram).toContain('start --> Fork');
    expect(diagram).toContain('Fork --> Fork_b0_CheckA');
    expect(diagram).toContain('Fork_b0_CheckA -. "catch States.ALL" .-> Fork_b0_RecordA');
    expect(diagram).toContain('Fork_b0_CheckA --> Fork_join');
    expect(diagram).toContain('Fork_b0_RecordA --> Fork_join');
    expect(diagram).toContain('Fork_join --> Decide');
    expect(diagram).not.toContain('Fork --> Decide');
    expect(diagram).toContain('Decide -- "$.status == HEALTHY" --> Done');
    expect(diagram).toContain('Decide -- "otherwise" --> Broken');
    expect(diagram).toContain('(retry on TransientError)');
    expect(diagram).toContain('fail PlatformUnhealthy');
  });

  it('describes compound conditions', () => {
    expect(
      describeCondition({
        And: [{ Variable: '$.a', BooleanEquals: true }, { Not: { Variable: '$.b', IsPresent: true } }],
      }),
    ).toBe('$.a == true and not ($.b is present)');
  });
});

describe('applySections', () => {
  it('replaces only the text between the markers', () => {
    const markdown = 'intro\n<!-- generated:diagram -->\nold\n<!-- /generated:diagram -->\noutro\n';
    expect(applySections(markdown, { diagram: 'new' })).toBe(
      'intro\n<!-- generated:diagram -->\nnew\n<!-- /generated:diagram -->\noutro\n',
    );
  });

  it('fails when a runbook lacks a section marker', () => {
    expect(() => applySections('no markers', { diagram: 'x' })).toThrow(MissingSectionError);
  });
});
