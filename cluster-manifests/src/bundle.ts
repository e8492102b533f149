import type { ClusterEnvironment } from './environments.ts';
import { externalSecrets } from './external-secrets.ts';
import type { Manifest } from './manifest.ts';
import { minio } from './minio.ts';
import { monitoringStack } from './monitoring/index.ts';
import { namespaces } from './namespaces.ts';
import { networkPolicies, peerAuthentications } from './network-policies.ts';
import { postgresql } from './postgresql.ts';
import { pgDumpServiceAccount, prefect } from './prefect.ts';
import { type ClusterFunctionGroups, functionGroupRbac, PRIMARY_CLUSTER_GROUPS } from './rbac.ts';
import { s5cmdExecutor } from './s5cmd.ts';
import { storageClasses } from './storage.ts';

/** One file of an environment's folder, with its documents in apply order. */
export interface ManifestFile {
  readonly file: string;
  readonly documents: Manifest[];
}

/**
 * The apply order: what later files need exists before them (namespaces, then who may do what, then
 * the traffic rules, storage classes and secrets the workloads use, then the workloads). `kubectl
 * apply -f <folder>` takes files in name order, hence the numeric prefixes.
 */
const STAGES = [
  { file: '00-namespaces.yaml', kinds: ['Namespace'] },
  {
    file: '10-rbac.yaml',
    kinds: ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  },
  { file: '20-network-policies.yaml', kinds: ['NetworkPolicy', 'PeerAuthentication'] },
  { file: '30-storage.yaml', kinds: ['StorageClass'] },
  { file: '40-external-secrets.yaml', kinds: ['ClusterSecretStore', 'ExternalSecret'] },
] as const;

/** Inside an application's file: configuration, then endpoints, then workloads, then their budgets. */
const APP_KIND_ORDER = [
  'ConfigMap',
  'Service',
  'StatefulSet',
  'Deployment',
  'CronJob',
  'PodDisruptionBudget',
];

function byKind(kinds: readonly string[]) {
  return (left: Manifest, right: Manifest) => kinds.indexOf(left.kind) - kinds.indexOf(right.kind);
}

function stageOf(kind: string): string | undefined {
  return STAGES.find((stage) => (stage.kinds as readonly string[]).includes(kind))?.file;
}

/** An application's file: its name (the apply order) and its objects. */
export type ApplicationFile = [file: string, documents: Manifest[]];

/** Every object of the environment, in the order of STAGES and then the applications. */
export function environmentManifests(environment: ClusterEnvironment): ManifestFile[] {
  return bundleFiles(environment, [
    [
      '50-prefect.yaml',
      [...postgresql(environment), ...prefect(environment), pgDumpServiceAccount(environment)],
    ],
    ['60-minio.yaml', minio(environment)],
    ['70-s5cmd.yaml', s5cmdExecutor(environment)],
    ['80-monitoring.yaml', monitoringStack(environment)],
  ]);
}

/**
 * The platform's objects (only those `keep` accepts) staged before the given applications. A
 * variant of the lakehouse (dr-bundle.ts) passes its own applications and leaves platform objects
 * out; the applier's RBAC (provision's on the primary) is derived from what remains, so it grants
 * nothing unused. `groups` are the function groups the cluster binds (the DR cluster's are others).
 */
export function bundleFiles(
  environment: ClusterEnvironment,
  applications: readonly ApplicationFile[],
  keep: (document: Manifest) => boolean = () => true,
  groups: ClusterFunctionGroups = PRIMARY_CLUSTER_GROUPS,
): ManifestFile[] {
  const platform = [
    ...namespaces(environment),
    ...groups.access(environment).flatMap(functionGroupRbac),
    ...networkPolicies(environment),
    ...peerAuthentications(environment),
    ...storageClasses(),
    ...externalSecrets(environment),
  ].filter(keep);
  const everything = [...platform, ...applications.flatMap(([, documents]) => documents)];
  const all = [...everything, ...functionGroupRbac(groups.applier(everything))];

  const staged = STAGES.map((stage) => ({
    file: stage.file,
    documents: all.filter((document) => stageOf(document.kind) === stage.file).sort(byKind(stage.kinds)),
  }));
  const apps = applications.map(([file, documents]) => {
    const appDocuments = documents.filter((document) => stageOf(document.kind) === undefined);
    const unordered = appDocuments.find((document) => !APP_KIND_ORDER.includes(document.kind));
    if (unordered)
      throw new Error(`${file}: no place for kind ${unordered.kind} in APP_KIND_ORDER (bundle.ts)`);
    return { file, documents: appDocuments.sort(byKind(APP_KIND_ORDER)) };
  });
  return [...staged, ...apps];
}
