import type { CheckResult } from './check-result.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';
import {
  deploymentProblem,
  deploymentReplicas,
  statefulSetProblem,
  statefulSetReplicas,
} from './workloads.ts';

/** Prometheus and Alertmanager StatefulSets are ready and Grafana is available. */
export function checkMonitoring({ reader, layout }: KubernetesCheckDependencies): Promise<CheckResult> {
  const { namespace, prometheusStatefulSet, alertmanagerStatefulSet, grafanaDeployment } = layout.monitoring;
  return runCheck('monitoring', async () => {
    const [prometheus, alertmanager, grafana] = await Promise.all([
      reader.readStatefulSet(namespace, prometheusStatefulSet),
      reader.readStatefulSet(namespace, alertmanagerStatefulSet),
      reader.readDeployment(namespace, grafanaDeployment),
    ]);
    const problems = [
      statefulSetProblem(`${namespace}/${prometheusStatefulSet}`, prometheus),
      statefulSetProblem(`${namespace}/${alertmanagerStatefulSet}`, alertmanager),
      deploymentProblem(`${namespace}/${grafanaDeployment}`, grafana),
    ].filter((problem): problem is string => problem !== undefined);

    return verdictFrom(problems, 'Prometheus, Alertmanager and Grafana are ready', {
      prometheus: prometheus ? statefulSetReplicas(prometheus) : { found: false },
      alertmanager: alertmanager ? statefulSetReplicas(alertmanager) : { found: false },
      grafana: grafana ? deploymentReplicas(grafana) : { found: false },
    });
  });
}
