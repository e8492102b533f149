import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizePatchFile } from '../../../../../functions/core/cost/apply/kustomize-patch.ts';
import { containerResourcesPatchBody } from '../../../../../functions/core/cost/apply/workload-objects.ts';

describe('kustomizePatchFile', () => {
  const workload = { namespace: 'prefect', kind: 'CronJob', name: 'nightly', container: 'job' } as const;

  it('writes a strategic merge patch that reads back as the object identity plus the change', () => {
    const body = containerResourcesPatchBody('CronJob', 'job', {
      requests: { cpu: '2', memory: '768Mi' },
      limits: { cpu: null },
    });
    const file = kustomizePatchFile(workload, body as { spec: object }, [
      'Right-sizing of nightly',
      'line two',
    ]);
    expect(file.path).toBe('rightsizing/prefect-cronjob-nightly.yaml');
    expect(file.content.startsWith('# Right-sizing of nightly\n# line two\napiVersion: "batch/v1"\n')).toBe(
      true,
    );
    expect(parse(file.content)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'prefect' },
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'job',
                    resources: { requests: { cpu: '2', memory: '768Mi' }, limits: { cpu: null } },
                  },
                ],
              },
            },
          },
        },
      },
    });
  });

  it('keeps a comment on one line and quantities as strings', () => {
    const body = containerResourcesPatchBody('Deployment', 'web', { requests: { cpu: '1' } });
    const file = kustomizePatchFile(
      { namespace: 'prefect', kind: 'Deployment', name: 'web', container: 'web' },
      body as { spec: object },
      ['evil\ninjected: true'],
    );
    const parsed = parse(file.content) as {
      spec: { template: { spec: { containers: { resources: { requests: { cpu: unknown } } }[] } } };
    };
    expect(parsed).not.toHaveProperty('injected');
    expect(parsed.spec.template.spec.containers[0]?.resources.requests.cpu).toBe('1');
  });
});
