import { describeError } from '../../../commons/errors.ts';
import type { ClusterReader } from '../../kubernetes/cluster-reader.ts';
import type { PrefectApi } from '../../validation/prefect-api.ts';
import { statefulSetProblem, statefulSetReplicas } from '../../validation/workloads.ts';
import type { DrCheck } from './dr-check.ts';

/**
 * The Prefect API answers through the DR target: `/health` (the server) and a flows query (the
 * server and its restored database).
 */
export async function checkPrefectApiAnswers(
  prefect: PrefectApi,
  url: string,
): Promise<Omit<DrCheck, 'name'>> {
  const started = performance.now();
  const failures: string[] = [];
  await prefect.health().catch((error: unknown) => failures.push(`GET /health: ${describeError(error)}`));
  const flows = await prefect.filterFlows(1).catch((error: unknown) => {
    failures.push(`POST /flows/filter: ${describeError(error)}`);
    return undefined;
  });
  if (failures.length > 0) {
    return { passed: false, detail: `the Prefect API at ${url} does not answer: ${failures.join('; ')}` };
  }
  const ms = Math.round(performance.now() - started);
  return {
    passed: true,
    detail: `the Prefect API at ${url} answers /health and a flows query (${flows?.length ?? 0} flow read) in ${ms} ms`,
  };
}

/** The Prefect PostgreSQL StatefulSet has every replica ready. */
export async function checkPostgresReady(
  reader: ClusterReader,
  database: { readonly namespace: string; readonly statefulSet: string },
): Promise<Omit<DrCheck, 'name'>> {
  const reference = `${database.namespace}/${database.statefulSet}`;
  const statefulSet = await reader.readStatefulSet(database.namespace, database.statefulSet);
  const problem = statefulSetProblem(reference, statefulSet);
  if (problem) return { passed: false, detail: problem };
  const { ready, desired } = statefulSetReplicas(statefulSet!);
  return {
    passed: true,
    detail: `PostgreSQL StatefulSet ${reference} has ${ready}/${desired} replicas ready`,
  };
}
