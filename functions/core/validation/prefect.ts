import type { V1Deployment } from '@kubernetes/client-node';
import { asleepMark, wakeCommand } from '../cost/off-hours/annotations.ts';
import type { CheckResult } from './check-result.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';
import { deploymentProblem, deploymentReplicas } from './workloads.ts';

/**
 * The Prefect server runs with the layout's replica count and at least one worker Deployment
 * (found by label, so a new work pool needs no configuration) is fully available.
 *
 * A worker at zero replicas fails the check, unless the off-hours scale-down put it there: then it
 * carries `lakehouse-ops.io/asleep-since` (functions/core/cost/off-hours/annotations.ts) and is
 * reported asleep, with the command that wakes it, instead of failed. Only at zero replicas: a
 * marked worker that is scaled up again but not available is judged like any other.
 */
export function checkPrefect({ reader, layout }: KubernetesCheckDependencies): Promise<CheckResult> {
  const { namespace, serverDeployment, serverReplicas, workerSelector } = layout.prefect;
  return runCheck('prefect', async () => {
    const [server, workers] = await Promise.all([
      reader.readDeployment(namespace, serverDeployment),
      reader.listDeployments(namespace, workerSelector),
    ]);
    const problems: string[] = [];
    const serverProblem = deploymentProblem(`${namespace}/${serverDeployment}`, server, serverReplicas);
    if (serverProblem) problems.push(serverProblem);
    if (workers.length === 0)
      problems.push(`no worker Deployments match ${workerSelector} in namespace ${namespace}`);
    const asleep = workers.flatMap((worker) => asleepWorker(worker) ?? []);
    for (const worker of workers) {
      if (asleepWorker(worker)) continue;
      const workerProblem = deploymentProblem(`${namespace}/${worker.metadata?.name}`, worker);
      if (workerProblem) problems.push(workerProblem);
    }
    const awake = workers.length - asleep.length;
    const asleepDetail =
      asleep.length === 0
        ? ''
        : `; ${asleep.length} asleep for off-hours (${asleep.map((worker) => `${worker.name} since ${worker.since}`).join(', ')}): wake early with ${asleep[0]?.wakeCommand}`;

    return verdictFrom(
      problems,
      `Prefect server has ${server ? deploymentReplicas(server).available : 0}/${serverReplicas} available replicas and ${awake} worker Deployments are available${asleepDetail}`,
      {
        ...(asleep.length > 0 ? { asleep } : {}),
        server: server
          ? { name: serverDeployment, requiredReplicas: serverReplicas, ...deploymentReplicas(server) }
          : { name: serverDeployment, found: false },
        workers: workers.map((worker) => ({ name: worker.metadata?.name, ...deploymentReplicas(worker) })),
      },
    );
  });
}

interface AsleepWorker {
  name: string;
  since: string;
  replicasBefore?: number;
  wakeCommand: string;
}

function asleepWorker(worker: V1Deployment): AsleepWorker | undefined {
  const mark = asleepMark(worker.metadata);
  if (!mark || deploymentReplicas(worker).desired !== 0) return undefined;
  return {
    name: worker.metadata?.name ?? '',
    since: mark.since,
    ...(mark.replicas === undefined ? {} : { replicasBefore: mark.replicas }),
    wakeCommand: mark.wakeCommand ?? wakeCommand('<environment>'),
  };
}
