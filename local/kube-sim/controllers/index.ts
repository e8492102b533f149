import type { ObjectStore } from '../store.ts';
import type { Controller, ControllerContext } from './context.ts';
import { reconcileDaemonSets } from './daemonset.ts';
import { reconcileDeployments } from './deployment.ts';
import { reconcileDisruptionBudgets } from './disruption.ts';
import { collectGarbage, finalizeNamespaces } from './garbage-collector.ts';
import { reconcileJobs } from './job.ts';
import { advanceCrashLoops, runKubelets } from './kubelet.ts';
import { taintNodesByCondition } from './node-lifecycle.ts';
import { reconcileReplicaSets } from './replicaset.ts';
import { schedulePods } from './scheduler.ts';
import { reconcileStatefulSets } from './statefulset.ts';
import { provisionVolumes } from './volumes.ts';

/**
 * Runs the control plane to a fixed point: every controller, in dependency order, again and again
 * until a full pass changes nothing in the store. Deterministic, so tests need no sleeps.
 */
const CONTROLLERS: readonly Controller[] = [
  finalizeNamespaces,
  collectGarbage,
  taintNodesByCondition,
  reconcileDeployments,
  reconcileReplicaSets,
  reconcileStatefulSets,
  reconcileDaemonSets,
  reconcileJobs,
  provisionVolumes,
  schedulePods,
  runKubelets,
  reconcileDisruptionBudgets,
];

/** Far above what any real convergence needs; reaching it means two controllers fight. */
const MAX_PASSES = 200;

export function runToFixedPoint(context: ControllerContext, store: ObjectStore): number {
  for (let pass = 1; pass <= MAX_PASSES; pass += 1) {
    const before = store.revision;
    for (const controller of CONTROLLERS) controller(context);
    if (store.revision === before) return pass;
  }
  throw new Error(
    `kube-sim controllers did not settle after ${MAX_PASSES} passes: two controllers keep changing the same objects`,
  );
}

/** One step of simulated time: crash-looping containers restart once more. */
export function tick(context: ControllerContext): void {
  advanceCrashLoops(context);
}

export type { ControllerContext } from './context.ts';
export { FAULT_ANNOTATION, POD_FAULTS, type PodFault } from './kubelet.ts';
