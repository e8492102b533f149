import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** Builders for Step Functions execution histories, as GetExecutionHistory returns them. */
export function historyEvent(
  id: number,
  previousEventId: number,
  type: string,
  details: Partial<HistoryEvent> = {},
): HistoryEvent {
  return {
    id,
    previousEventId,
    type,
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, id)),
    ...details,
  } as HistoryEvent;
}

export const entered = (name: string): Partial<HistoryEvent> => ({
  stateEnteredEventDetails: { name, input: '{}' },
});
export const exited = (name: string): Partial<HistoryEvent> => ({
  stateExitedEventDetails: { name, output: '{}' },
});

/** The shortest history of a successful execution: one Succeed state with `output`. */
export function succeededHistory(output: unknown): HistoryEvent[] {
  return [
    historyEvent(1, 0, 'ExecutionStarted'),
    historyEvent(2, 1, 'SucceedStateEntered', entered('ReportPlatformHealthy')),
    historyEvent(3, 2, 'SucceedStateExited', exited('ReportPlatformHealthy')),
    historyEvent(4, 3, 'ExecutionSucceeded', {
      executionSucceededEventDetails: { output: JSON.stringify(output) },
    }),
  ];
}
