import type { CheckResult } from './check-result.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';
import { deploymentProblem, deploymentReplicas } from './workloads.ts';

/**
 * The Prefect server runs with the layout's replica count and at least one worker Deployment
 * (found by label, so a new work pool needs no configuration) is fully available.
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
    for (const worker of workers) {
      const workerProblem = deploymentProblem(`${namespace}/${worker.metadata?.name}`, worker);
      if (workerProblem) problems.push(workerProblem);
    }

    return verdictFrom(
      problems,
      `Prefect server has ${server ? deploymentReplicas(server).available : 0}/${serverReplicas} available replicas and ${workers.length} worker Deployments are available`,
      {
        server: server
          ? { name: serverDeployment, requiredReplicas: serverReplicas, ...deploymentReplicas(server) }
          : { name: serverDeployment, found: false },
        workers: workers.map((worker) => ({ name: worker.metadata?.name, ...deploymentReplicas(worker) })),
      },
    );
  });
}
