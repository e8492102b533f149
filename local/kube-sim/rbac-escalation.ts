import type { V1PolicyRule, V1RoleRef } from '@kubernetes/client-node';
import { type RbacAuthorizer, SYSTEM_MASTERS, type UserInfo } from './authorization.ts';
import { forbiddenOn } from './forbidden.ts';
import type { KubeObject } from './model.ts';
import { compactRules, compactString, type RequestAttributes, uncoveredRules } from './rbac-rules.ts';

/**
 * RBAC's escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/
 * policybased): writing a Role or ClusterRole needs the `escalate` verb on it or every rule it
 * grants; writing a binding needs `bind` on the role it refers to or every rule of that role.
 * system:masters skips both, as on a real API server.
 */

type ResourceRequest = Extract<RequestAttributes, { kind: 'resource' }>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

export function isRbacWrite(request: ResourceRequest): boolean {
  return (
    request.apiGroup === RBAC_GROUP &&
    ['create', 'update', 'patch'].includes(request.verb) &&
    (ROLE_RESOURCES.has(request.resource) || BINDING_RESOURCES.has(request.resource))
  );
}

/**
 * An update that only touches what the garbage collector writes (owner references, finalizers)
 * is never an escalation (rbacregistry.IsOnlyMutatingGCFields).
 */
function onlyGcFieldsChange(previous: KubeObject | undefined, next: KubeObject): boolean {
  if (!previous) return false;
  const strip = (object: KubeObject) => {
    const { ownerReferences: _owners, finalizers: _finalizers, ...metadata } = object.metadata;
    return JSON.stringify({ ...object, metadata });
  };
  return strip(previous) === strip(next);
}

/** Throws 403 when `user` may not store `next` (the object the write would leave behind). */
export function confirmRbacWrite(
  authorizer: RbacAuthorizer,
  user: UserInfo,
  request: ResourceRequest,
  previous: KubeObject | undefined,
  next: KubeObject,
): void {
  if (user.groups.includes(SYSTEM_MASTERS)) return;
  const name = next.metadata.name ?? '';
  if (ROLE_RESOURCES.has(request.resource)) {
    const escalate = authorizer.authorize(user, {
      kind: 'resource',
      verb: 'escalate',
      apiGroup: request.apiGroup,
      resource: request.resource,
      ...(request.name ? { name: request.name } : {}),
      ...(request.namespace ? { namespace: request.namespace } : {}),
    });
    if (escalate.allowed || onlyGcFieldsChange(previous, next)) return;
    confirmNoEscalation(authorizer, user, request, name, (next.rules as V1PolicyRule[] | undefined) ?? []);
    return;
  }
  if (onlyGcFieldsChange(previous, next)) return;
  const roleRef = next.roleRef as V1RoleRef;
  const bind = authorizer.authorize(user, {
    kind: 'resource',
    verb: 'bind',
    apiGroup: roleRef.apiGroup,
    resource: roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
    name: roleRef.name,
    ...(request.namespace ? { namespace: request.namespace } : {}),
  });
  if (bind.allowed) return;
  const rules = authorizer.roleReferenceRules(roleRef, request.namespace);
  if (typeof rules === 'string') throw forbiddenOn(request.apiGroup, request.resource, name, rules);
  confirmNoEscalation(authorizer, user, request, name, rules);
}

/** validation.ConfirmNoEscalation: the author must already hold every rule it grants. */
function confirmNoEscalation(
  authorizer: RbacAuthorizer,
  user: UserInfo,
  request: ResourceRequest,
  name: string,
  rules: readonly V1PolicyRule[],
): void {
  const owned = authorizer.rulesFor(user, request.namespace);
  const missing = uncoveredRules(owned.rules, rules);
  if (missing.length === 0) return;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  const groups = `[${user.groups.map((group) => JSON.stringify(group)).join(' ')}]`;
  const resolution = owned.errors.length > 0 ? `; resolution errors: [${owned.errors.join(' ')}]` : '';
  throw forbiddenOn(
    request.apiGroup,
    request.resource,
    name,
    `user "${user.user}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}${resolution}`,
  );
}
