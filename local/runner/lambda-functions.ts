import { HANDLER_METADATA_KEY } from '../../infra/constructs/ops-function.ts';
import { type PseudoParameters, type ResourceResolver, resolveIntrinsics } from './intrinsics.ts';
import type { LocalStateMachine } from './nested-execution.ts';
import type { LocalBucket } from './stack-buckets.ts';
import type { LocalQueue } from './stack-queues.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * The template's Lambda functions as the local runner needs them: which module holds the handler
 * (resource Metadata `lakehouse-ops:handler`), the deployed name, timeout and memory for the
 * Lambda-like context, and the environment variables exactly as the template declares them.
 */
export interface LocalFunction {
  readonly logicalId: string;
  /** Relative to the repository root: functions/<name>.handler.ts */
  readonly handlerModule: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** Literal strings, or intrinsic functions (tokens) that only exist once deployed. */
  readonly environment: Readonly<Record<string, unknown>>;
}

/** Lambda's defaults when the template leaves Timeout or MemorySize out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

/** The ARN a Task's Resource resolves to locally, so it can be mapped back to its function. */
export function localFunctionArn(pseudo: PseudoParameters, logicalId: string): string {
  return `arn:${pseudo.partition}:lambda:${pseudo.region}:${pseudo.accountId}:function:${logicalId}`;
}

export function describeLocalFunctions(
  template: CfnTemplate,
  pseudo: PseudoParameters,
): Map<string, LocalFunction> {
  const functions = new Map<string, LocalFunction>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const handlerModule = resource.Metadata?.[HANDLER_METADATA_KEY];
    if (typeof handlerModule !== 'string') continue;
    const properties = resource.Properties ?? {};
    const name = properties.FunctionName;
    const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    functions.set(logicalId, {
      logicalId,
      handlerModule,
      // A generated name (a token) has no local meaning; the logical id is as recognisable.
      functionName: typeof name === 'string' ? name : logicalId,
      functionArn: localFunctionArn(pseudo, logicalId),
      timeoutSeconds: typeof properties.Timeout === 'number' ? properties.Timeout : DEFAULT_TIMEOUT_SECONDS,
      memorySizeMb: typeof properties.MemorySize === 'number' ? properties.MemorySize : DEFAULT_MEMORY_MB,
      environment: variables ?? {},
    });
  }
  return functions;
}

/** The stack resources the local runner gives a local identity. */
export interface LocalResources {
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly buckets: ReadonlyMap<string, LocalBucket>;
  /** Workflows, which a nested execution's StateMachineArn refers to. */
  readonly stateMachines?: ReadonlyMap<string, LocalStateMachine>;
  /** SQS queues in aws-sim (stack-queues.ts): a Ref is the queue URL, as in CloudFormation. */
  readonly queues?: ReadonlyMap<string, LocalQueue>;
}

/**
 * A resolver in which Lambda functions resolve to their local name and ARN, S3 buckets to their
 * local name and ARN (stack-buckets.ts), and SQS queues to their URL and ARN in aws-sim
 * (stack-queues.ts); anything else is an error naming it.
 */
export function localResourceResolver(resources: LocalResources, context: string): ResourceResolver {
  const unknown = (logicalId: string): never => {
    throw new Error(
      `${context} references ${logicalId}, which is neither a Lambda function with "${HANDLER_METADATA_KEY}" metadata, an S3 bucket nor an SQS queue: the local runner has no local counterpart for it`,
    );
  };
  return {
    ref: (logicalId) =>
      resources.functions.get(logicalId)?.functionName ??
      resources.buckets.get(logicalId)?.bucketName ??
      resources.stateMachines?.get(logicalId)?.stateMachineArn ??
      resources.queues?.get(logicalId)?.queueUrl ??
      unknown(logicalId),
    getAtt: (logicalId, attribute) => {
      if (attribute !== 'Arn')
        throw new Error(`${context} uses ${logicalId}.${attribute}; only Arn is supported`);
      return (
        resources.functions.get(logicalId)?.functionArn ??
        resources.buckets.get(logicalId)?.bucketArn ??
        resources.queues?.get(logicalId)?.queueArn ??
        unknown(logicalId)
      );
    },
  };
}

export function resolveLocalDefinition(
  definitionString: unknown,
  resources: LocalResources,
  pseudo: PseudoParameters,
  context: string,
): unknown {
  const text = resolveIntrinsics(definitionString, localResourceResolver(resources, context), pseudo);
  if (typeof text !== 'string') throw new Error(`${context}: DefinitionString did not resolve to a string`);
  return JSON.parse(text);
}
