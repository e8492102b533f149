import { describe, expect, it } from 'vitest';
import { EventsSimulator } from '../../../local/aws-sim/events.ts';
import { type DeliveredEvent, startRemediationLoop } from '../../../local/lakehouse/remediation-loop.ts';
import type { AslDefinition } from '../../../local/runner/definition.ts';
import type { ExecutionResult } from '../../../local/runner/execution-result.ts';
import type { RunWorkflowOptions } from '../../../local/runner/workflows.ts';

const BUS = 'lakehouse-ops-test-alerts';

/** A two-state workflow with a Wait before its Task, as remediate waits before each verification. */
const DEFINITION = {
  StartAt: 'WaitForAlertToClear',
  States: {
    WaitForAlertToClear: { Type: 'Wait', Seconds: 30, Next: 'VerifyAlertCleared' },
    VerifyAlertCleared: { Type: 'Task', Resource: 'arn:aws:lambda:::function:verify', End: true },
  },
} as unknown as AslDefinition;

function put(events: EventsSimulator, fingerprint: string, bus = BUS): void {
  events.handle({
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
    body: JSON.stringify({
      Entries: [
        {
          Source: 'lakehouse-ops.alerts',
          DetailType: 'Prometheus Alert',
          Detail: JSON.stringify({ alertname: 'PodCrashLooping', status: 'firing', fingerprint }),
          EventBusName: bus,
        },
      ],
    }),
  });
}

/** dispatchEvent as the runner does it: runs the Task through the options' interceptor. */
function fakeWorkflows(finish: Promise<void>, dispatched: DeliveredEvent[], taskStarts: number[]) {
  return {
    eventRules: [{ logicalId: 'Rule', pattern: {}, workflows: ['remediate'] }],
    describe: () => ({ deployed: DEFINITION, executed: DEFINITION, bridgedStates: [], retimedTasks: [] }),
    dispatchEvent: async (event: unknown, options?: RunWorkflowOptions): Promise<ExecutionResult[]> => {
      dispatched.push(event as DeliveredEvent);
      const invoke = async () => {
        taskStarts.push(Date.now());
        await finish;
        return {};
      };
      await (options?.interceptTask ? options.interceptTask('VerifyAlertCleared', {}, invoke) : invoke());
      return [{ workflow: 'remediate', status: 'SUCCEEDED', output: {}, durationMs: 1, timeline: [] }];
    },
  };
}

describe('startRemediationLoop', () => {
  it('dispatches events of the alert bus only, as a rule target receives them, and settles when they end', async () => {
    const events = new EventsSimulator('eu-central-1', '000000000000');
    let release = () => {};
    const finish = { promise: new Promise<void>((resolve) => (release = resolve)) };
    const dispatched: DeliveredEvent[] = [];
    const loop = startRemediationLoop({
      events,
      workflows: fakeWorkflows(finish.promise, dispatched, []) as never,
      eventBusName: BUS,
      waitPacingMs: 0,
    });

    put(events, 'a');
    put(events, 'b', 'default');
    expect(loop.running()).toBe(1);
    let settled = false;
    const settling = loop.settled().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release();
    await settling;

    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]).not.toHaveProperty('eventBusName');
    expect(dispatched[0]?.detail).toMatchObject({ fingerprint: 'a' });
    expect(loop.remediations.map((remediation) => remediation.executions.length)).toEqual([1]);
    loop.stop();
    put(events, 'c');
    expect(loop.running()).toBe(0);
  });

  it('starts a Task that a Wait leads to only after the pacing interval', async () => {
    const events = new EventsSimulator('eu-central-1', '000000000000');
    const taskStarts: number[] = [];
    const loop = startRemediationLoop({
      events,
      workflows: fakeWorkflows(Promise.resolve(), [], taskStarts) as never,
      eventBusName: BUS,
      waitPacingMs: 150,
    });
    const putAt = Date.now();
    put(events, 'a');
    await loop.settled();
    expect(taskStarts[0]! - putAt).toBeGreaterThanOrEqual(140);
    loop.stop();
  });

  it('finds a remediation that already ended, and names what it waited for when none comes', async () => {
    const events = new EventsSimulator('eu-central-1', '000000000000');
    const loop = startRemediationLoop({
      events,
      workflows: fakeWorkflows(Promise.resolve(), [], []) as never,
      eventBusName: BUS,
      waitPacingMs: 0,
    });
    put(events, 'a');
    await loop.settled();
    const isA = (event: DeliveredEvent) => (event.detail as { fingerprint: string }).fingerprint === 'a';
    expect((await loop.waitFor('alert a', isA, 10)).event.detail).toMatchObject({ fingerprint: 'a' });
    await expect(loop.waitFor('alert z', () => false, 20)).rejects.toThrow(
      'no remediation of alert z ended within 20 ms',
    );
    loop.stop();
  });

  it('keeps a runner failure as the remediation error instead of losing it', async () => {
    const events = new EventsSimulator('eu-central-1', '000000000000');
    const loop = startRemediationLoop({
      events,
      workflows: {
        eventRules: [],
        describe: () => ({ deployed: DEFINITION, executed: DEFINITION, bridgedStates: [], retimedTasks: [] }),
        dispatchEvent: async () => {
          throw new Error('template broken');
        },
      } as never,
      eventBusName: BUS,
    });
    put(events, 'a');
    await loop.settled();
    expect(loop.remediations[0]?.error?.message).toBe('template broken');
    loop.stop();
  });
});
