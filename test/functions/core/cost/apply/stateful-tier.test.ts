import { describe, expect, it } from 'vitest';
import { statefulTierMember } from '../../../../../functions/core/cost/apply/stateful-tier.ts';
import { defaultPlatformLayout, parsePlatformLayout } from '../../../../../functions/core/platform/layout.ts';

describe('statefulTierMember', () => {
  const layout = defaultPlatformLayout;

  it('names MinIO, the Prefect server and PostgreSQL (a StatefulSet of the Prefect namespace)', () => {
    expect(statefulTierMember({ namespace: 'minio', kind: 'StatefulSet', name: 'minio' }, layout)).toBe(
      'MinIO',
    );
    expect(
      statefulTierMember({ namespace: 'prefect', kind: 'Deployment', name: 'prefect-server' }, layout),
    ).toBe('the Prefect server');
    expect(
      statefulTierMember({ namespace: 'prefect', kind: 'StatefulSet', name: 'prefect-postgresql' }, layout),
    ).toBe('PostgreSQL');
  });

  it('leaves the workers, the s5cmd jobs and the monitoring out', () => {
    expect(
      statefulTierMember({ namespace: 'prefect', kind: 'Deployment', name: 'prefect-worker' }, layout),
    ).toBe(undefined);
    expect(statefulTierMember({ namespace: 's5cmd', kind: 'CronJob', name: 's5cmd-executor' }, layout)).toBe(
      undefined,
    );
    expect(
      statefulTierMember({ namespace: 'monitoring', kind: 'StatefulSet', name: 'prometheus' }, layout),
    ).toBe(undefined);
  });

  it('follows a layout override', () => {
    const custom = parsePlatformLayout('{"minio":{"namespace":"storage","statefulSet":"object-store"}}');
    expect(
      statefulTierMember({ namespace: 'storage', kind: 'StatefulSet', name: 'object-store' }, custom),
    ).toBe('MinIO');
    expect(statefulTierMember({ namespace: 'minio', kind: 'StatefulSet', name: 'minio' }, custom)).toBe(
      undefined,
    );
  });
});
