import { describe, expect, it } from 'vitest';
import { changedFields } from '../../../../functions/core/provision/object-diff.ts';

describe('changedFields', () => {
  const deployment = (image: string, replicas: number, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      resourceVersion: String(replicas),
      generation: replicas,
      managedFields: [{ time: image }],
      ...extra,
    },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [
            { name: 'app', image },
            { name: 'proxy', image: 'envoy:1' },
          ],
        },
      },
    },
    status: { readyReplicas: replicas },
  });

  it('names changed leaves, keying named list elements by name', () => {
    expect(changedFields(deployment('web:1', 2), deployment('web:2', 3))).toEqual([
      'spec.replicas',
      'spec.template.spec.containers[name=app].image',
    ]);
  });

  it('ignores what the server maintains: resourceVersion, generation, managedFields and status', () => {
    const before = deployment('web:1', 2);
    const after = { ...deployment('web:1', 2), status: { readyReplicas: 0 } };
    after.metadata = { ...after.metadata, resourceVersion: '99', generation: 7, managedFields: [] };
    expect(changedFields(before, after)).toEqual([]);
  });

  it('reports added and removed fields and whole lists whose length changed', () => {
    expect(changedFields({ data: { a: '1' }, list: [1] }, { data: { b: '2' }, list: [1, 2] })).toEqual([
      'data.a',
      'data.b',
      'list',
    ]);
  });
});
