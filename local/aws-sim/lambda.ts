import { AwsServiceError, type SimRequest, type SimResponse } from './http.ts';

/**
 * Lambda's Invoke (REST-JSON, `POST /2015-03-31/functions/<name>/invocations`), for the one caller
 * that invokes a function by name rather than through a state machine: the DR control plane's proxy
 * to the primary region's agents (functions/core/dr/primary-agent). The local runner registers the
 * functions it runs; an invocation runs the handler in process, as the runner does for a Task.
 *
 * A handler that throws is answered as Lambda answers it: 200, `X-Amz-Function-Error: Unhandled`
 * and the runtime's `{errorType, errorMessage}` document.
 */
export type LocalInvoke = (payload: unknown) => Promise<unknown>;

/** What a thrown handler error looks like to the caller: its name is the errorType. */
interface InvocationFailure {
  readonly name: string;
  readonly message: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export class LambdaSimulator {
  private readonly functions = new Map<string, LocalInvoke>();
  /** Invocations so far (function name and payload), oldest first: tests read what was sent. */
  readonly invocations: { functionName: string; payload: unknown }[] = [];
  /** Set to make every invocation fail as an unreachable region does (the drill's "primary region lost"). */
  unreachable = false;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  register(functionName: string, invoke: LocalInvoke): void {
    this.functions.set(functionName, invoke);
  }

  handles(request: SimRequest): boolean {
    return INVOKE_PATH.test(request.path);
  }

  async handle(request: SimRequest): Promise<SimResponse> {
    const match = INVOKE_PATH.exec(request.path);
    if (request.method !== 'POST' || !match) {
      throw new AwsServiceError(
        'InvalidRequestContentException',
        `${request.method} ${request.path}: only Invoke (POST) is served`,
        400,
      );
    }
    if (this.unreachable) {
      throw new AwsServiceError(
        'ServiceException',
        `the Lambda service of ${this.region} does not answer`,
        503,
      );
    }
    const functionName = this.nameOf(match[1] ?? '');
    const invoke = this.functions.get(functionName);
    if (!invoke) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${this.region}:${this.accountId}:function:${functionName}`,
        404,
      );
    }
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (invocationType !== 'RequestResponse') {
      throw new AwsServiceError(
        'InvalidParameterValueException',
        `InvocationType ${invocationType}: only RequestResponse is served locally`,
        400,
      );
    }
    const payload = parsePayload(request.body);
    this.invocations.push({ functionName, payload });
    try {
      const result = await invoke(payload);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(result ?? null),
      };
    } catch (error) {
      const failure = error as InvocationFailure;
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({
          errorType: failure.name ?? 'Error',
          errorMessage: failure.message ?? String(error),
        }),
      };
    }
  }

  /** A function is named by its name, its ARN, or its ARN with a version or alias. */
  private nameOf(identifier: string): string {
    const arn = /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(:.+)?$/.exec(identifier);
    return arn?.[1] ?? identifier;
  }
}

function parsePayload(body: string): unknown {
  if (body.trim() === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    throw new AwsServiceError(
      'InvalidRequestContentException',
      'Could not parse request body into json',
      400,
    );
  }
}
