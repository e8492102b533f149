import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../../../local/cli/commands/serve.ts';
import { alertFingerprint, deliverAlerts } from '../../../../local/lakehouse/alert-delivery.ts';
import { captureIo } from '../support/captured-io.ts';

/** Polls what the command wrote until `pattern` appears. */
async function printed(stdout: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(stdout());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`serve never printed ${pattern}; it printed:\n${stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('serveCommand', () => {
  it('prints the webhook URL and token, remediates what is delivered there, prints the outcome, and stops', async () => {
    const { io, stdout } = captureIo();
    const stop = new AbortController();
    const serving = serveCommand({ environment: 'development', signal: stop.signal }, io);
    try {
      const [, url] = await printed(stdout, /alert webhook: +(http:\/\/127\.0\.0\.1:\d+\/)/, 150_000);
      const [, token] = await printed(stdout, /bearer token: +(\S+)/, 1000);
      // An alert about a pod that is already gone: the run stops at preflight and pages.
      const delivery = await deliverAlerts({ url: url!, token: token! }, [
        {
          alertname: 'PodCrashLooping',
          labels: { namespace: 'prefect', pod: 'serve-test-gone', severity: 'warning' },
          fingerprint: alertFingerprint(0x5e7e),
          startsAt: new Date().toISOString(),
        },
      ]);
      expect(delivery).toMatchObject({ status: 200, body: { published: 1 } });
      await printed(stdout, /received PodCrashLooping firing prefect\/serve-test-gone/, 10_000);
      await printed(
        stdout,
        /ESCALATED PodCrashLooping firing prefect\/serve-test-gone .*\(remediate, /,
        60_000,
      );
    } finally {
      stop.abort();
    }
    expect(await serving).toBe(0);
    const [, url] = /alert webhook: +(\S+)/.exec(stdout())!;
    await expect(fetch(url!, { method: 'POST', body: '{}' })).rejects.toThrow();
  }, 240_000);
});
