import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ConfigurationError,
  LakehouseOpsError,
  namedError,
  TransientError,
} from '../../../commons/errors.ts';

/**
 * The DR control plane runs in drRegion (docs/dr.md, "Where the failover runs"), but three steps act
 * on the primary: its fence, the lifting of it, and the resync into MinIO. Those functions stay in
 * the primary region, next to MinIO and the private Prefect API; the DR workflows reach them through
 * one proxy that invokes a named function in the primary region, since Step Functions cannot invoke
 * a Lambda function of another region. A primary region that cannot be reached is an error of its
 * own, which the fence step treats as "the primary does not answer".
 */
export const PRIMARY_AGENTS = ['fence-primary', 'lift-fence', 'resync-from-replica'] as const;
export type PrimaryAgent = (typeof PRIMARY_AGENTS)[number];

/** The primary region did not answer the invocation (network, the Lambda service, a timeout). */
export class PrimaryRegionUnreachableError extends namedError(
  'PrimaryRegionUnreachableError',
  TransientError,
) {}

/**
 * The agent ran and failed. Its name is the agent's own error type, so the workflow's Retry and
 * Catch match the same names as when the function was invoked directly.
 */
export class AgentFailedError extends LakehouseOpsError {
  override readonly name: string;
  constructor(errorType: string, message: string, details: Record<string, unknown>) {
    super(message, details);
    this.name = errorType;
  }
}

export interface AgentDependencies {
  readonly lambda: LambdaClient;
  /** The primary region, for messages: the client is already bound to it. */
  readonly primaryRegion: string;
  /** The deployed function name of an agent (`lakehouse-ops-<env>-<agent>`). */
  readonly functionNameOf: (agent: PrimaryAgent) => string;
  /** How long to wait for the agent; a little under the proxy's own Lambda timeout. */
  readonly timeoutMs: number;
}

/** Lambda service errors that say the deployment is wrong, not that the region is down. */
const CONFIGURATION_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidParameterValueException',
  'RequestTooLargeException',
  'InvalidRequestContentException',
]);

/** Lambda service errors that a later call may not meet (throttling, a function not yet ready). */
const RETRYABLE_ERRORS = new Set([
  'TooManyRequestsException',
  'ResourceConflictException',
  'ResourceNotReadyException',
  'EC2ThrottledException',
]);

interface RuntimeErrorDocument {
  errorType?: unknown;
  errorMessage?: unknown;
}

export async function invokePrimaryAgent(
  agent: PrimaryAgent,
  payload: unknown,
  dependencies: AgentDependencies,
): Promise<unknown> {
  const functionName = dependencies.functionNameOf(agent);
  const where = { agent, functionName, primaryRegion: dependencies.primaryRegion };
  let response: InvokeCommandOutput;
  try {
    response = await dependencies.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
      }),
      { abortSignal: AbortSignal.timeout(dependencies.timeoutMs) },
    );
  } catch (error) {
    throw serviceError(error, where);
  }
  const body = response.Payload ? new TextDecoder().decode(response.Payload) : 'null';
  const parsed = parseBody(body, where);
  if (response.FunctionError) {
    const document = (parsed ?? {}) as RuntimeErrorDocument;
    const errorType = typeof document.errorType === 'string' ? document.errorType : 'Error';
    const message = typeof document.errorMessage === 'string' ? document.errorMessage : body;
    throw new AgentFailedError(errorType, `${agent} in ${dependencies.primaryRegion}: ${message}`, where);
  }
  return parsed;
}

function parseBody(body: string, where: Record<string, unknown>): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ConfigurationError(
      `${where.agent} answered with a body that is not JSON: ${body.slice(0, 200)}`,
      where,
    );
  }
}

function serviceError(error: unknown, where: Record<string, unknown>): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (CONFIGURATION_ERRORS.has(name)) {
    return new ConfigurationError(
      `cannot invoke ${where.functionName} in ${where.primaryRegion} (${name}): ${message}; expected the primary region's ${where.agent} function, deployed by the OpsStack`,
      { ...where, serviceError: name },
    );
  }
  if (RETRYABLE_ERRORS.has(name)) {
    return new TransientError(`${where.functionName} in ${where.primaryRegion}: ${name}: ${message}`, {
      ...where,
      serviceError: name,
    });
  }
  // Everything else — refused connections, DNS, timeouts, the service's own 5xx — is a region
  // that does not answer right now.
  return new PrimaryRegionUnreachableError(
    `the primary region ${where.primaryRegion} did not answer the invocation of ${where.agent}: ${name}: ${message}`,
    { ...where, serviceError: name },
    { cause: error },
  );
}
