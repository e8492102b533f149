/** Structured logging as Powertools' Logger offers it (tests pass a recording one). */
export interface ReplicationLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export const silentLogger: ReplicationLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
