import type {
  RbacV1Subject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
} from '@kubernetes/client-node';
import { type Manifest, manifest } from './manifest.ts';
import { platformMeta } from './metadata.ts';

/** Builders for RBAC objects; rbac.ts and the component modules say who gets what. */

export function rule(apiGroup: string, resources: string[], verbs: string[]): V1PolicyRule {
  return { apiGroups: [apiGroup], resources, verbs };
}

export function clusterRole(name: string, rules: V1PolicyRule[]): Manifest {
  return manifest<V1ClusterRole>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: platformMeta(name),
    rules,
  });
}

export function role(name: string, namespace: string, rules: V1PolicyRule[]): Manifest {
  return manifest<V1Role>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: platformMeta(name, namespace),
    rules,
  });
}

export function groupSubject(group: string): RbacV1Subject {
  return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group };
}

export function serviceAccountSubject(namespace: string, name: string): RbacV1Subject {
  return { kind: 'ServiceAccount', namespace, name };
}

export function clusterRoleBinding(name: string, subject: RbacV1Subject): Manifest {
  return manifest<V1ClusterRoleBinding>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: platformMeta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [subject],
  });
}

/** Binds the Role of the same name in the namespace. */
export function roleBinding(name: string, namespace: string, subject: RbacV1Subject): Manifest {
  return manifest<V1RoleBinding>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: platformMeta(name, namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [subject],
  });
}
