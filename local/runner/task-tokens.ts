import { randomBytes } from 'node:crypto';

/**
 * Step Functions task tokens, locally: a `.waitForTaskToken` Task (remediation's approvals) parks
 * here under a fresh token until SendTaskSuccess or SendTaskFailure names it (aws-sim's Step
 * Functions API, or a test), exactly as the service holds the execution. A token is answered once;
 * answering an unknown or already answered one fails as Step Functions does (TaskDoesNotExist /
 * InvalidToken), which is what an approval link clicked twice must see.
 */
export class TaskTokenError extends Error {
  constructor(
    override readonly name: 'TaskDoesNotExist' | 'InvalidToken' | 'TaskTimedOut',
    message: string,
  ) {
    super(message);
  }
}

/** The failure a parked Task ends with (its Error and Cause, as a Catch sees them). */
export class TaskFailure extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParkedTask {
  readonly token: string;
  readonly executionName: string;
  readonly state: string;
  readonly parkedAt: string;
}

interface Waiter extends ParkedTask {
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export class TaskTokenBroker {
  private readonly waiting = new Map<string, Waiter>();
  private readonly answered = new Set<string>();
  private readonly listeners = new Set<(task: ParkedTask) => void>();

  /** Parks a Task: returns its token and the promise its answer settles. */
  park(executionName: string, state: string): { token: string; answer: Promise<unknown> } {
    const token = randomBytes(48).toString('base64url');
    const answer = new Promise<unknown>((resolve, reject) => {
      const parked = { token, executionName, state, parkedAt: new Date().toISOString() };
      this.waiting.set(token, { ...parked, resolve, reject });
      for (const listener of this.listeners) listener(parked);
    });
    return { token, answer };
  }

  /** SendTaskSuccess: `output` is the JSON text the API takes. */
  succeed(token: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new TaskTokenError('InvalidToken', 'output is not valid JSON');
    }
    this.take(token).resolve(parsed);
  }

  /** SendTaskFailure. */
  fail(token: string, error = 'States.TaskFailed', cause = ''): void {
    this.take(token).reject(new TaskFailure(error, cause));
  }

  /** The execution stopped (timeout, abort) while the Task waited: its token no longer answers. */
  abandon(token: string): void {
    if (this.waiting.delete(token)) this.answered.add(token);
  }

  pending(): ParkedTask[] {
    return [...this.waiting.values()].map(({ token, executionName, state, parkedAt }) => ({
      token,
      executionName,
      state,
      parkedAt,
    }));
  }

  /** Called for every Task parked from now on (the drill approves as an operator would). */
  onParked(listener: (task: ParkedTask) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private take(token: string): Waiter {
    const waiter = this.waiting.get(token);
    if (!waiter) {
      throw this.answered.has(token)
        ? new TaskTokenError('TaskTimedOut', 'Task Timed Out: the task was already answered or stopped')
        : new TaskTokenError('TaskDoesNotExist', 'Task does not exist anymore or the token is invalid');
    }
    this.waiting.delete(token);
    this.answered.add(token);
    return waiter;
  }
}
