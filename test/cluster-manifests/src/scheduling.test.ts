import type { V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { CAPACITY_TYPE_LABEL, POOL_LABEL, POOL_TAINTS } from '../../../cluster-manifests/src/scheduling.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { committedDocuments } from '../support/committed-manifests.ts';

/**
 * Where every workload of the committed manifests can run (issue 6, spot): the interruptible ones
 * (Prefect workers, s5cmd Jobs) on the compute pool, which is spot; the stateful tier (MinIO,
 * PostgreSQL, the Prefect server) and everything else with state never there.
 */
interface Workload {
  readonly id: string;
  readonly kind: string;
  readonly spec: V1PodSpec;
  /** A StatefulSet's claims or a mounted PersistentVolumeClaim: the pod has state of its own. */
  readonly stateful: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job']);

function workloadsOf(environment: string): Workload[] {
  return committedDocuments(environment)
    .filter((manifest) => WORKLOAD_KINDS.has(manifest.kind))
    .map((manifest) => {
      const object = manifest as Manifest & {
        spec: {
          template?: V1PodTemplateSpec;
          jobTemplate?: { spec: { template: V1PodTemplateSpec } };
          volumeClaimTemplates?: unknown[];
        };
      };
      const template =
        object.kind === 'CronJob' ? object.spec.jobTemplate?.spec.template : object.spec.template;
      if (!template?.spec) throw new Error(`${object.kind} ${object.metadata.name} has no pod template`);
      const spec = template.spec;
      const claims = (object.spec.volumeClaimTemplates ?? []).length > 0;
      const mounted = (spec.volumes ?? []).some((volume) => volume.persistentVolumeClaim);
      return {
        id: `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`,
        kind: object.kind,
        spec,
        stateful: object.kind === 'StatefulSet' || claims || mounted,
      };
    });
}

/** The pools a pod may be scheduled to: by its nodeSelector, or its required node affinity. */
function requiredPools(spec: V1PodSpec): string[] {
  const selected = spec.nodeSelector?.[POOL_LABEL];
  if (selected) return [selected];
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.flatMap((term) =>
    (term.matchExpressions ?? [])
      .filter((expression) => expression.key === POOL_LABEL && expression.operator === 'In')
      .flatMap((expression) => expression.values ?? []),
  );
}

function toleratesCompute(spec: V1PodSpec): boolean {
  const { key, value, effect } = POOL_TAINTS.compute;
  return (spec.tolerations ?? []).some(
    (toleration) =>
      (toleration.key === key || (toleration.key === undefined && toleration.operator === 'Exists')) &&
      (toleration.operator === 'Exists' || toleration.value === value) &&
      (toleration.effect === undefined || toleration.effect === effect),
  );
}

/** A pod that asks for spot capacity (required or preferred) or may land on the spot pool. */
function mayRunOnSpot(spec: V1PodSpec): boolean {
  const affinity = spec.affinity?.nodeAffinity;
  const asksForSpot = [
    ...(affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []),
    ...(affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((term) => term.preference),
  ].some((term) =>
    (term?.matchExpressions ?? []).some(
      (expression) => expression.key === CAPACITY_TYPE_LABEL && (expression.values ?? []).includes('SPOT'),
    ),
  );
  return (
    asksForSpot ||
    spec.nodeSelector?.[CAPACITY_TYPE_LABEL] === 'SPOT' ||
    requiredPools(spec).includes('compute') ||
    toleratesCompute(spec)
  );
}

describe.each(ENVIRONMENT_NAMES)('scheduling in %s', (environment) => {
  const workloads = workloadsOf(environment);
  const named = (id: string) => {
    const workload = workloads.find((candidate) => candidate.id === id);
    if (!workload)
      throw new Error(`${environment} has no ${id}: ${workloads.map((entry) => entry.id).join(', ')}`);
    return workload;
  };

  it('pins every workload to one pool', () => {
    expect(
      workloads
        .filter((workload) => requiredPools(workload.spec).length !== 1)
        .map((workload) => workload.id),
    ).toEqual([]);
  });

  it.each(['Deployment prefect/prefect-worker', 'CronJob s5cmd/s5cmd-executor'])(
    'runs %s on the compute pool, tolerating its taint and preferring spot',
    (id) => {
      const { spec } = named(id);

      expect(requiredPools(spec)).toEqual(['compute']);
      expect(toleratesCompute(spec)).toBe(true);
      expect(mayRunOnSpot(spec)).toBe(true);
    },
  );

  it.each([
    ['StatefulSet minio/minio', 'storage'],
    ['StatefulSet prefect/prefect-postgresql', 'storage'],
    ['Deployment prefect/prefect-server', 'system'],
  ])('keeps %s (stateful tier) on the on-demand %s pool, never on spot', (id, pool) => {
    const { spec } = named(id);

    expect(requiredPools(spec)).toEqual([pool]);
    expect(mayRunOnSpot(spec)).toBe(false);
  });

  it('never lets a workload with state of its own run on spot', () => {
    const stateful = workloads.filter((workload) => workload.stateful);

    expect(stateful.length).toBeGreaterThan(0);
    expect(stateful.filter((workload) => mayRunOnSpot(workload.spec)).map((workload) => workload.id)).toEqual(
      [],
    );
  });

  it('puts nothing but the interruptible workloads on the compute pool', () => {
    expect(
      workloads
        .filter((workload) => mayRunOnSpot(workload.spec))
        .map((workload) => workload.id)
        .sort(),
    ).toEqual(['CronJob s5cmd/s5cmd-executor', 'Deployment prefect/prefect-worker']);
  });
});
