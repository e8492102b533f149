/**
 * The local lakehouse starts child processes (s3rver, PostgreSQL) that outlive a Node process
 * killed by Ctrl-C. A CLI command that owns a lakehouse calls this once: on SIGINT or SIGTERM the
 * lakehouse is stopped before the process exits with the conventional 128 + signal number.
 */
const EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

export function stopOnSignal(lakehouse: { stop(): Promise<void> }): () => void {
  const handlers = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]).map((signal) => {
    const handler = () => {
      lakehouse.stop().finally(() => process.exit(EXIT_CODES[signal]));
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
