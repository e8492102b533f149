import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface DrillCheck {
  name: string;
  status: string;
}
interface DrillScenario {
  id: string;
  passed: boolean;
  problems: string[];
  reportStatus?: string;
  checks: DrillCheck[];
  details: string[];
  notifications: unknown[];
  execution: { status: string; cause?: string; timeline: { state: string; retries?: number }[] };
}

/**
 * About two minutes on an idle machine (the DR scenarios are one of them); the ceiling leaves room
 * for a CI runner or a workstation shared with other builds, where the drill has taken three times
 * as long.
 */
const DRILL_TIMEOUT_MS = 480_000;

/** The drill exactly as a new user runs it: a fresh process, the real CLI, its exit code and output. */
function runDrill(): { status: number | null; report: { passed: boolean; scenarios: DrillScenario[] } } {
  const result = spawnSync('npx', ['tsx', 'local/cli/bin.ts', 'drill', '--json'], {
    encoding: 'utf8',
    timeout: DRILL_TIMEOUT_MS,
  });
  if (result.status !== 0)
    throw new Error(`drill exited ${result.status}: ${result.stdout}\n${result.stderr}`);
  return { status: result.status, report: JSON.parse(result.stdout) };
}

function checkStatus(scenario: DrillScenario | undefined, check: string): string | undefined {
  return scenario?.checks.find((candidate) => candidate.name === check)?.status;
}

describe('lakehouse-ops drill', () => {
  it(
    'passes every scenario, catches each injected fault in the right check and restores what it broke',
    () => {
      const { status, report } = runDrill();
      expect(status).toBe(0);
      expect(report.passed).toBe(true);
      const byId = new Map(report.scenarios.map((scenario) => [scenario.id, scenario]));

      expect(byId.get('healthy')?.reportStatus).toBe('HEALTHY');
      expect(byId.get('healthy')?.execution.status).toBe('SUCCEEDED');
      expect(checkStatus(byId.get('node-not-ready'), 'nodes')).toBe('FAILED');
      expect(checkStatus(byId.get('minio-pod-down'), 'minio-statefulset')).toBe('FAILED');
      expect(checkStatus(byId.get('prefect-worker-unavailable'), 'prefect')).toBe('FAILED');
      expect(checkStatus(byId.get('minio-s3-down'), 'minio-s3-probe')).toBe('ERROR');
      for (const id of ['node-not-ready', 'minio-pod-down', 'prefect-worker-unavailable', 'minio-s3-down']) {
        expect(byId.get(id)?.execution.status, id).toBe('FAILED');
        expect(byId.get(id)?.notifications.length, id).toBeGreaterThan(0);
      }
      const flaky = byId.get('kubernetes-api-flaky');
      expect(flaky?.reportStatus).toBe('HEALTHY');
      expect(flaky?.execution.timeline.some((entry) => (entry.retries ?? 0) > 0)).toBe(true);
      expect(byId.get('healthy-again')?.reportStatus).toBe('HEALTHY');

      // The backup story, on the real PostgreSQL the e2e setup installs: back up, prove it restores,
      // catch a corrupted copy, restore a deleted prefix byte for byte.
      const backupIds = ['backup', 'verify-backup', 'verify-backup-corrupted', 'backup-unchanged'];
      for (const id of [...backupIds, 'restore-dry-run', 'restore-prefix']) {
        expect(byId.get(id)?.problems, id).toEqual([]);
      }
      expect(byId.get('verify-backup')).toMatchObject({
        reportStatus: 'SUCCESSFUL',
        execution: { status: 'SUCCEEDED' },
      });
      expect(byId.get('verify-backup')?.details).toContainEqual(expect.stringMatching(/^postgres MATCH: /));
      const corrupted = byId.get('verify-backup-corrupted');
      expect(corrupted).toMatchObject({ reportStatus: 'FAILED', execution: { status: 'FAILED' } });
      const verdict = JSON.parse(corrupted?.execution.cause ?? '{}') as {
        mismatches: number;
        reasons: string[];
      };
      expect(verdict.mismatches).toBe(1);
      expect(verdict.reasons[0]).toMatch(/^trades\/exchange=kraken\/date=2025-01-15\/part-0000\.parquet /);
      expect(corrupted?.notifications.length).toBeGreaterThan(0);
      // Last, provision: the emptied cluster brought to a green validate-platform, a no-op re-run,
      // and a dry run that shows a hand-made change without applying it.
      expect(byId.get('provision-empty-cluster')).toMatchObject({
        reportStatus: 'PROVISIONED',
        problems: [],
      });
      expect(byId.get('provision-rerun')?.details?.[0]).toMatch(
        /^0 created, 0 changed, \d+ unchanged; validation HEALTHY$/,
      );
      expect(byId.get('provision-dry-run')).toMatchObject({ reportStatus: 'DRY_RUN', problems: [] });
      expect(byId.get('restore-dry-run')?.reportStatus).toBe('DRY_RUN');
      expect(byId.get('restore-prefix')?.reportStatus).toBe('RESTORED');
      expect(byId.get('restore-prefix')?.details).toContain(
        '4 of 4 objects read back from MinIO byte for byte as before the deletion',
      );

      // Right-sizing on backfilled usage in a real Prometheus: within the guardrails (the 30% cap,
      // the p99 floor), the stateful tier left alone after its approval is rejected, and a
      // right-sized Deployment OOM-killed during the watch rolled back to exactly what it held.
      const rightsizing = byId.get('rightsizing-run');
      expect(rightsizing).toMatchObject({ problems: [], execution: { status: 'SUCCEEDED' } });
      expect(rightsizing?.details).toContainEqual(
        expect.stringMatching(/^KEPT monitoring\/Deployment\/dashboard-api\/main: cpu 1000m -> 700m, /),
      );
      expect(rightsizing?.details).toContainEqual(
        expect.stringMatching(/^KEPT monitoring\/Deployment\/report-builder\/main: .*observed p99 usage/),
      );
      expect(rightsizing?.details).toContainEqual(
        expect.stringMatching(
          /^SKIPPED prefect\/StatefulSet\/prefect-postgresql\/postgresql: .*approval rejected/,
        ),
      );
      const rollback = byId.get('rightsizing-rollback-on-oom');
      expect(rollback).toMatchObject({ problems: [], execution: { status: 'SUCCEEDED' } });
      expect(rollback?.execution.timeline.map((entry) => entry.state)).toContain('RollbackRightsizing');
      expect(rollback?.details).toContainEqual(
        expect.stringMatching(
          /^ROLLED_BACK s5cmd\/Deployment\/sync-writer\/main: .*OOM kills rose from 0 to /,
        ),
      );
      expect(rollback?.details).toContainEqual(
        expect.stringMatching(/^KEPT s5cmd\/Deployment\/sync-reader\/main: /),
      );
      expect(rollback?.notifications.length).toBeGreaterThan(0);

      // Disaster recovery: a failover refused while replication lags, changing nothing; then the
      // primary lost, a validated DR side, and a failback that brings every object back.
      const refused = byId.get('dr-failover-refused-replication-lag');
      expect(refused).toMatchObject({ passed: true, problems: [], execution: { status: 'FAILED' } });
      expect(refused?.reportStatus).toBeUndefined();
      expect(refused?.notifications.length).toBeGreaterThan(0);
      const failover = byId.get('dr-failover-and-failback');
      expect(failover).toMatchObject({ passed: true, problems: [], reportStatus: 'COMPLETED' });
    },
    DRILL_TIMEOUT_MS + 10_000,
  );
});
