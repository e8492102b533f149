import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSilence, expireSilence } from '../../../../functions/core/remediation/silences.ts';
import { alertExpression, checkAlertCleared } from '../../../../functions/core/remediation/verify.ts';
import { type RunningAlertmanager, startAlertmanager } from '../../../../local/system/alertmanager.ts';
import { ALERTMANAGER, ensureSystemBinaries, PROMETHEUS } from '../../../../local/system/debian-packages.ts';
import { type RunningPrometheus, startPrometheus } from '../../../../local/system/prometheus.ts';

// The real Debian Prometheus and Alertmanager (installed here when missing, as the e2e setup does).
const LABELS = { alertname: 'QueueTooLong', severity: 'warning', queue: 'q1', job: 'fixture' };

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await probe();
  }
  return value;
}

describe('Alertmanager silences', () => {
  let alertmanager: RunningAlertmanager;
  beforeAll(async () => {
    ensureSystemBinaries([ALERTMANAGER]);
    alertmanager = await startAlertmanager();
  });
  afterAll(() => alertmanager?.stop());

  it('silences exactly the alert for a bounded time, and expires the silence once', async () => {
    const now = new Date();
    const silence = await createSilence(alertmanager.url, {
      alert: { alertname: 'QueueTooLong', labels: LABELS },
      durationMinutes: 30,
      executionId: 'exec-1',
      now,
    });
    expect(silence.endsAt).toBe(new Date(now.getTime() + 30 * 60_000).toISOString());

    const stored = (await (
      await fetch(`${alertmanager.url}/api/v2/silence/${silence.silenceId}`)
    ).json()) as {
      matchers: { name: string; value: string; isEqual: boolean }[];
      status: { state: string };
      comment: string;
    };
    expect(stored.status.state).toBe('active');
    expect(stored.matchers).toHaveLength(Object.keys(LABELS).length);
    expect(stored.comment).toContain('exec-1');

    expect(await expireSilence(alertmanager.url, silence.silenceId)).toEqual({
      expired: true,
      state: 'expired',
    });
    // Expiring again (a retried step) finds it expired and is fine.
    expect(await expireSilence(alertmanager.url, silence.silenceId)).toEqual({
      expired: false,
      state: 'expired',
    });
  });

  it('names the call and the answer when Alertmanager refuses the silence', async () => {
    await expect(
      createSilence(alertmanager.url, {
        alert: { alertname: 'Empty', labels: {} },
        durationMinutes: 5,
        executionId: 'exec-2',
        now: new Date(),
      }),
    ).rejects.toThrow(/silence Empty: http:\/\/127\.0\.0\.1:\d+\/api\/v2\/silences answered 4\d\d/);
  });
});

describe('checkAlertCleared against Prometheus', () => {
  let prometheus: RunningPrometheus;
  let exporter: Server;
  let queueLength = 7;

  beforeAll(async () => {
    ensureSystemBinaries([PROMETHEUS]);
    exporter = createServer((_request, response) => {
      response.end(
        `# TYPE queue_length gauge\nqueue_length{queue="q1"} ${queueLength}\nqueue_length{queue="q2"} 9\n`,
      );
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const { port } = exporter.address() as { port: number };
    const rules = join(tmpdir(), `lakehouse-ops-verify-rules-${process.pid}.yml`);
    await writeFile(
      rules,
      stringify({
        groups: [
          {
            name: 'fixture',
            rules: [{ alert: 'QueueTooLong', expr: 'queue_length > 5', labels: { severity: 'warning' } }],
          },
        ],
      }),
    );
    prometheus = await startPrometheus({
      targets: [{ job: 'fixture', address: `127.0.0.1:${port}` }],
      ruleFiles: [rules],
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => exporter?.close(resolve));
  });

  const withInstance = async () => {
    const [series] = await eventually(
      () => prometheus.query('queue_length{queue="q1"}'),
      (result) => result.length > 0,
    );
    return { ...LABELS, instance: series!.metric.instance! };
  };

  it("holds while the alert's own expression still matches its labels, and clears once it does not", async () => {
    queueLength = 7;
    const labels = await withInstance();
    const alert = {
      alertname: 'QueueTooLong',
      labels,
      generatorURL: `${prometheus.url}/graph?g0.expr=${encodeURIComponent('queue_length > 5')}&g0.tab=1`,
    };
    expect(alertExpression(alert)).toBe('queue_length > 5');
    const firing = await checkAlertCleared(prometheus.url, alert, new Date());
    // q2 also breaks the threshold but is another alert: only q1's series counts.
    expect(firing).toMatchObject({ cleared: false, matching: 1 });

    queueLength = 2;
    const cleared = await eventually(
      () => checkAlertCleared(prometheus.url, alert, new Date()),
      (check) => check.cleared,
    );
    expect(cleared).toMatchObject({ cleared: true, matching: 0, query: 'queue_length > 5' });
  });

  it('asks the ALERTS series when the alert has no generatorURL', async () => {
    queueLength = 8;
    const labels = await withInstance();
    const alert = { alertname: 'QueueTooLong', labels, generatorURL: '' };
    expect(alertExpression(alert)).toMatch(/^ALERTS\{alertname="QueueTooLong",.*alertstate="firing"\}$/);
    const firing = await eventually(
      () => checkAlertCleared(prometheus.url, alert, new Date()),
      (check) => !check.cleared,
    );
    expect(firing.matching).toBe(1);

    queueLength = 1;
    expect(
      (
        await eventually(
          () => checkAlertCleared(prometheus.url, alert, new Date()),
          (check) => check.cleared,
        )
      ).cleared,
    ).toBe(true);
  });

  it('refuses an expression Prometheus cannot parse, naming it', async () => {
    await expect(
      checkAlertCleared(
        prometheus.url,
        { alertname: 'Broken', labels: {}, generatorURL: 'http://p/graph?g0.expr=rate(' },
        new Date(),
      ),
    ).rejects.toThrow(/evaluate Broken: .* answered 400/);
  });
});
