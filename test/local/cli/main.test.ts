import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeDrillScenarios } from '../../../local/cli/drill/render-drill.ts';
import { DRILL_SCENARIOS } from '../../../local/cli/drill/run-drill.ts';
import { main } from '../../../local/cli/main.ts';
import { succeededHistory } from './aws/history-events.ts';

const sfnMock = mockClient(SFNClient);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('main', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'lakehouse-ops-cli-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));
  beforeEach(() => sfnMock.reset());

  it.each([
    [
      ['run', 'validate-platform', '--input', '{"suite":"fast"}'],
      /suite: expected one of "full", got "fast"/,
      false,
    ],
    [
      ['run', 'validate-platform', '--input', '{"notify":"yes"}'],
      /notify: expected boolean, got "yes"/,
      false,
    ],
    [['run', 'validate-platform', '--input', '{"notfy":false}'], /notfy: unknown key/, false],
    [['run', 'validate-platform', '--input', '{"notify": fals'], /the --input JSON is not valid JSON/, false],
    [
      ['run', 'validate-platform', '--env', 'qa'],
      /--env qa is not an environment: expected one of development, staging, production/,
      true,
    ],
    [['run'], /run takes <workflow>: one of validate-platform, backup, .*dr-failover; got none/, true],
    [
      ['run', 'validate-platform', '--region', 'x'],
      /unknown option --region for run; expected: --input <value>, --local, --env <value>, --json/,
      true,
    ],
    [['run', 'validate-platform', '--input'], /--input for run needs a value/, true],
    [['drill', '--jsn'], /unknown option --jsn for drill; expected: --json, --verbose\n/, true],
    [['drill', '-j'], /unknown option -j for drill/, true],
    [['drill', 'now'], /drill takes no arguments, got: now/, true],
    [[], /No command given/, true],
  ])('exits 2 without calling AWS when the arguments are %j', async (argv, message, showsUsage) => {
    const { io, stderr } = capture();
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr().includes('Usage: lakehouse-ops')).toBe(showsUsage);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('describes every drill scenario in the help, in the order the drill runs them', async () => {
    const { io, stdout } = capture();
    expect(await main(['help'], io)).toBe(0);
    const help = stdout().replace(/\s+/g, ' ');
    expect(help).toContain(describeDrillScenarios(DRILL_SCENARIOS));
    for (const workflow of [
      'remediate',
      'off-hours',
      'cost-optimise',
      'provision',
      'dr-failover then dr-failback',
    ])
      expect(help).toContain(workflow);
    expect(help).toContain("otherwise in the environment's AWS account (--env development when not given)");
  });

  it('reads --input from a file and reports a file that is not JSON by its path', async () => {
    const file = path.join(directory, 'input.json');
    await writeFile(file, '{ notify: false }');
    const { io, stderr } = capture();
    expect(await main(['run', 'validate-platform', '--input', file], io)).toBe(2);
    expect(stderr()).toContain(`input file ${file} is not valid JSON`);
  });

  it('starts the deployed production state machine when run without --local', async () => {
    const file = path.join(directory, 'valid.json');
    await writeFile(file, JSON.stringify({ notify: false, requestedBy: 'ops@example.com' }));
    sfnMock.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: 'lakehouse-ops-production-validate-platform',
          stateMachineArn: 'arn:sm',
          type: 'STANDARD',
          creationDate: new Date(),
        },
      ],
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: succeededHistory({ status: 'HEALTHY' }) });
    const { io, stdout, stderr } = capture();

    expect(await main(['run', 'validate-platform', '--env', 'production', '--input', file], io)).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: 'arn:sm',
      input: JSON.stringify({ notify: false, requestedBy: 'ops@example.com' }),
    });
    expect(stderr()).toContain('started arn:execution');
    expect(stdout()).toMatch(/validate-platform {2}SUCCEEDED/);
    expect(stdout()).toContain('"status": "HEALTHY"');
  });

  it('exits 1 when the state machine is not deployed', async () => {
    sfnMock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const { io, stderr } = capture();
    expect(await main(['run', 'validate-platform', '--env', 'staging'], io)).toBe(1);
    expect(stderr()).toContain('lakehouse-ops-staging-validate-platform not found');
  });
});
