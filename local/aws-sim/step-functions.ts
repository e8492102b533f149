import {
  AwsServiceError,
  jsonResponse,
  parseJsonBody,
  requireString,
  type SimRequest,
  type SimResponse,
} from './http.ts';

/**
 * Step Functions' task-token API over the JSON 1.0 protocol (`X-Amz-Target:
 * AWSStepFunctions.SendTaskSuccess` / `SendTaskFailure`), so the approval functions answer the
 * local runner's waiting Tasks with the real @aws-sdk/client-sfn. The tokens belong to whoever
 * parks the Tasks (local/runner/task-tokens.ts's TaskTokenBroker, given to startAwsSim); its
 * refusals (`TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`) reach the caller as the service's
 * own errors. Executions themselves run in the local runner, not here.
 */
export interface TaskTokenAnswers {
  succeed(token: string, output: string): void;
  fail(token: string, error?: string, cause?: string): void;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
// Step Functions' limits on these calls.
const MAX_TOKEN_LENGTH = 2048;
const MAX_OUTPUT_BYTES = 256 * 1024;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
const TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** With no broker, no Task waits: every token is unknown, as in a region with no executions. */
const NO_TASKS: TaskTokenAnswers = {
  succeed: () => {
    throw taskDoesNotExist();
  },
  fail: () => {
    throw taskDoesNotExist();
  },
};

export class StepFunctionsSimulator {
  constructor(private readonly tasks: TaskTokenAnswers = NO_TASKS) {}

  handles(request: SimRequest): boolean {
    return String(request.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
  }

  handle(request: SimRequest): SimResponse {
    const operation = String(request.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    const body = parseJsonBody(request);
    switch (operation) {
      case 'SendTaskSuccess': {
        const token = taskToken(body);
        const output = requireString(body, 'output');
        if (Buffer.byteLength(output) > MAX_OUTPUT_BYTES) {
          throw new AwsServiceError('InvalidOutput', `output is larger than ${MAX_OUTPUT_BYTES} bytes`, 400);
        }
        try {
          JSON.parse(output);
        } catch {
          throw new AwsServiceError('InvalidOutput', 'output is not valid JSON', 400);
        }
        answer(() => this.tasks.succeed(token, output));
        return jsonResponse(200, {}, CONTENT_TYPE);
      }
      case 'SendTaskFailure': {
        const token = taskToken(body);
        const error = optionalText(body, 'error', MAX_ERROR_LENGTH);
        const cause = optionalText(body, 'cause', MAX_CAUSE_LENGTH);
        answer(() => this.tasks.fail(token, error, cause));
        return jsonResponse(200, {}, CONTENT_TYPE);
      }
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `aws-sim Step Functions does not implement ${operation}`,
          400,
        );
    }
  }
}

function taskToken(body: Record<string, unknown>): string {
  const token = requireString(body, 'taskToken');
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AwsServiceError(
      'ValidationException',
      `taskToken is longer than ${MAX_TOKEN_LENGTH} characters`,
      400,
    );
  }
  return token;
}

function optionalText(body: Record<string, unknown>, field: string, maxLength: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new AwsServiceError(
      'ValidationException',
      `${field} must be a string of at most ${maxLength} characters`,
      400,
    );
  }
  return value;
}

/** The broker's refusals are the API's errors, by name. */
function answer(send: () => void): void {
  try {
    send();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (typeof name === 'string' && TOKEN_ERRORS.has(name)) {
      throw new AwsServiceError(name, (error as Error).message, 400);
    }
    throw error;
  }
}

function taskDoesNotExist(): AwsServiceError {
  return new AwsServiceError('TaskDoesNotExist', 'Task does not exist anymore or the token is invalid', 400);
}

export function renderJson10Error(error: AwsServiceError): SimResponse {
  return jsonResponse(error.status, { __type: error.code, message: error.message }, CONTENT_TYPE);
}
