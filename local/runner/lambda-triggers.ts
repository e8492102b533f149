import type { LocalFunction } from './lambda-functions.ts';
import type { LocalStateMachine } from './nested-execution.ts';
import type { LocalQueue } from './stack-queues.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * What invokes the stack's Lambda functions outside its state machines, read from the template:
 * SQS event-source mappings (run locally by sqs-event-source.ts), Function URLs (served by
 * local/lakehouse/function-url-server.ts) and EventBridge Scheduler schedules. Schedules do not
 * fire on a timer locally; the drill and the tests invoke their targets when they need them
 * (LocalWorkflows.invokeFunction, runWorkflow), so a schedule targeting a function is described
 * just like one targeting a state machine.
 */
export interface LocalEventSourceMapping {
  readonly logicalId: string;
  readonly function: LocalFunction;
  readonly queue: LocalQueue;
  /** The mapping's properties as the template declares them (eventSourceMappingSettings reads them). */
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface LocalFunctionUrl {
  readonly logicalId: string;
  readonly function: LocalFunction;
  readonly authType: string;
}

export type LocalScheduleTarget =
  | { readonly kind: 'function'; readonly function: LocalFunction }
  | { readonly kind: 'workflow'; readonly workflow: string };

export interface LocalSchedule {
  readonly logicalId: string;
  readonly scheduleName: string;
  readonly expression: string;
  readonly target: LocalScheduleTarget;
  /** The target's Input, parsed (Scheduler sends `{}` when none is set). */
  readonly input: unknown;
}

export class UnsupportedTriggerError extends Error {
  override readonly name = 'UnsupportedTriggerError';
}

export interface TriggerResources {
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly queues: ReadonlyMap<string, LocalQueue>;
  readonly stateMachines: ReadonlyMap<string, LocalStateMachine>;
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, ..] }` names. */
function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { Ref: ref, 'Fn::GetAtt': getAtt } = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof ref === 'string') return ref;
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

export function describeLocalEventSourceMappings(
  template: CfnTemplate,
  resources: TriggerResources,
): LocalEventSourceMapping[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    if (properties.Enabled === false) return [];
    const fn = resources.functions.get(referencedId(properties.FunctionName) ?? '');
    const queue = resources.queues.get(referencedId(properties.EventSourceArn) ?? '');
    if (!fn || !queue) {
      throw new UnsupportedTriggerError(
        `EventSourceMapping ${logicalId}: expected a Lambda function of this stack (FunctionName ${JSON.stringify(properties.FunctionName)}) fed by one of its SQS queues (EventSourceArn ${JSON.stringify(properties.EventSourceArn)}); the local runner runs SQS mappings only`,
      );
    }
    return [{ logicalId, function: fn, queue, properties }];
  });
}

export function describeLocalFunctionUrls(
  template: CfnTemplate,
  functions: ReadonlyMap<string, LocalFunction>,
): LocalFunctionUrl[] {
  return resourcesOfType(template, 'AWS::Lambda::Url').flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    const fn = functions.get(referencedId(properties.TargetFunctionArn) ?? '');
    if (!fn) return [];
    return [{ logicalId, function: fn, authType: String(properties.AuthType) }];
  });
}

/** Enabled schedules whose target is a function or a state machine of this stack. */
export function describeLocalSchedules(template: CfnTemplate, resources: TriggerResources): LocalSchedule[] {
  return resourcesOfType(template, 'AWS::Scheduler::Schedule').flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    if (properties.State === 'DISABLED') return [];
    const target = (properties.Target ?? {}) as { Arn?: unknown; Input?: unknown };
    const targetId = referencedId(target.Arn) ?? '';
    const fn = resources.functions.get(targetId);
    const machine = resources.stateMachines.get(targetId);
    const kind: LocalScheduleTarget | undefined = fn
      ? { kind: 'function', function: fn }
      : machine && { kind: 'workflow', workflow: machine.workflow };
    if (!kind) return [];
    let input: unknown = {};
    if (target.Input !== undefined) {
      try {
        input = JSON.parse(String(target.Input));
      } catch {
        throw new UnsupportedTriggerError(
          `Schedule ${logicalId}: Target.Input is not JSON (${JSON.stringify(target.Input)})`,
        );
      }
    }
    return [
      {
        logicalId,
        scheduleName: typeof properties.Name === 'string' ? properties.Name : logicalId,
        expression: String(properties.ScheduleExpression),
        target: kind,
        input,
      },
    ];
  });
}
