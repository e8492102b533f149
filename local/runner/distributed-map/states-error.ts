/**
 * An error under one of Step Functions' own names (`States.ExceedToleratedFailureThreshold`,
 * `States.ItemReaderFailed`, ...): the engine reports a thrown error's `name` as the state's Error
 * and its message as the Cause, so Retry and Catch match exactly as in AWS.
 */
export class StatesError extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}
