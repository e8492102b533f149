/**
 * kube-sim: an in-process Kubernetes API server for the local lakehouse and the tests, served over
 * real HTTP so @kubernetes/client-node 1.4 talks to it exactly as to EKS.
 *
 * Public API:
 *
 *   const sim = await startKubeSim({ nodes: [{ name: 'node-a', nodeGroup: 'core' }] });
 *   const kc = sim.kubeConfig();               // KubeConfig for client-node (admin token), or
 *   sim.kubeConfig(eksToken())                 //   with an EKS-style `k8s-aws-v1.` token
 *   sim.url / sim.token                        // base URL and the built-in static admin token
 *   sim.apply(object) / sim.get(...) / sim.list(...) / sim.delete(...)   // seed and inspect without HTTP
 *   await sim.settle()                         // run all controllers to a fixed point
 *   await sim.tick(n)                          // n steps of time: crash-looping restart counts grow
 *   sim.addNode(opts) / sim.setNodeReady(name, bool) / sim.setNodeCondition(...) / sim.setNodeUnschedulable(...)
 *   sim.images.add('minio/minio:RELEASE...').enforce()   // pods with other images: ImagePullBackOff
 *   sim.faults.inject({ method: 'GET', pathPattern: /\/pods$/, status: 503, times: 2 })
 *   sim.setPodLog(namespace, pod, text, container?)
 *   startKubeSim({ jobExecutors: { 'ghcr.io/x/pg-tools': hostCommandExecutor({ path }) } })
 *                                              // Job containers of that image really run (job-executors.ts)
 *   await sim.jobExecutions.idle()             // until every running job container has ended
 *   sim.audit                                  // who called what, with which status code
 *   startKubeSim({ authorization: 'RBAC', tokens: { t: { user: 'u', groups: ['g'] } } })
 *                                              // requests authorized by the stored RBAC objects
 *   sim.rbac.decisions / sim.rbac.unusedGrants({ user, groups })   // what was allowed, by which rule
 *   await sim.stop()
 *
 * Pods carrying annotation FAULT_ANNOTATION (`kube-sim.lakehouse-ops.io/fault`) misbehave on
 * purpose: `crash-loop`, `oom-killed`, `not-ready`, or `fail` (run-to-completion pods fail).
 *
 * What it serves: discovery (/api, /apis, /version, /healthz, /readyz), the core/v1, apps/v1,
 * batch/v1, autoscaling/v2 (HorizontalPodAutoscalers, stored only), policy/v1, rbac.authorization.k8s.io/v1,
 * networking.k8s.io/v1 and storage.k8s.io/v1
 * resources listed in resources.ts, plus the custom resources cluster-manifests/ uses (Istio
 * PeerAuthentication, External Secrets ExternalSecret and ClusterSecretStore) stored as generic
 * objects, with get/list (label and field selectors, limit/continue), create, update
 * (resourceVersion conflicts), JSON/merge/strategic-merge patch, server-side apply (fieldManager,
 * force, conflicts; an identical re-apply keeps resourceVersion and generation), delete (with
 * propagation and garbage collection), dryRun=All on every write, and the status, scale, eviction
 * (PDB-aware) and log subresources; /metrics in kube-state-metrics format (unauthenticated, like a
 * scrape target). Workload status (observedGeneration, updated/ready/available replicas, the
 * Deployment Progressing condition) is what `kubectl rollout status` reads.
 * Authorization: every authenticated caller may do everything unless `authorization: 'RBAC'`
 * (authorization.ts: the privileged system:masters group, RBAC over the stored objects with
 * wildcards, resourceNames, subresources and namespace scope, the bootstrap system:discovery
 * binding, create on a creating server-side apply, escalate/bind on RBAC writes, and 403 Status
 * bodies worded as kube-apiserver words them).
 * Not served: watch, other API groups, admission webhooks, CronJob scheduling (CronJobs are stored only),
 * DaemonSet rolling updates, graceful pod termination (deleted pods go at once).
 *
 * Behaviours worth knowing, all as on a real cluster: batch/v1 Jobs orphan their pods unless the
 * DELETE names propagationPolicy Background/Foreground; creating in a missing namespace is a 404
 * (sim.apply() creates the namespace for you); list items carry no apiVersion/kind.
 * EKS tokens are accepted for 15 minutes after X-Amz-Date (or X-Amz-Expires, if longer), as on EKS.
 */
export { EKS_TOKEN_PREFIX, eksToken, type Identity, type StaticTokenUser } from './auth.ts';
export {
  type AuthorizationDecision,
  type AuthorizationMode,
  describeGrant,
  type Grant,
  type RbacAuthorizer,
  type RuleSource,
  SYSTEM_AUTHENTICATED,
  SYSTEM_MASTERS,
  type UserInfo,
} from './authorization.ts';
export { FAULT_ANNOTATION, POD_FAULTS, type PodFault } from './controllers/index.ts';
export { KubeApiError, type Status } from './errors.ts';
export type { FaultSpec, InjectedFault } from './faults.ts';
export { ImageRegistry, normalizeImage } from './images.ts';
export {
  type ContainerExit,
  type ContainerRun,
  type HostCommandOptions,
  hostCommandExecutor,
  imageRepository,
  type JobExecutor,
  type JobExecutorRegistry,
} from './job-executors.ts';
export type { KubeObject, Node, Pod } from './model.ts';
export { type NodeOptions, nodeObject } from './nodes.ts';
export type { RequestAttributes } from './rbac-rules.ts';
export type { AuditRecord } from './server.ts';
export { ADMIN_USER, KubeSim, type KubeSimOptions, startKubeSim } from './sim.ts';
