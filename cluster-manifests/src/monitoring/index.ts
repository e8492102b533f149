import type { ClusterEnvironment } from '../environments.ts';
import type { Manifest } from '../manifest.ts';
import { alertmanager } from './alertmanager.ts';
import { grafana } from './grafana.ts';
import { kubeStateMetrics } from './kube-state-metrics.ts';
import { prometheus } from './prometheus.ts';

export function monitoringStack(environment: ClusterEnvironment): Manifest[] {
  return [
    ...prometheus(environment),
    ...alertmanager(environment),
    ...grafana(environment),
    ...kubeStateMetrics(environment),
  ];
}
