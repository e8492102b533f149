import type { RbacV1Subject, V1PolicyRule, V1RoleRef } from '@kubernetes/client-node';
import type { KubeObject } from './model.ts';
import type { ObjectApi } from './objects.ts';
import { breakdownRule, type RequestAttributes, ruleAllows } from './rbac-rules.ts';
import { TYPES } from './resources.ts';

/**
 * kube-apiserver's authorizer chain with `--authorization-mode=RBAC`: the privileged-group
 * authorizer (system:masters may do anything), then the RBAC authorizer over the Roles,
 * ClusterRoles and bindings stored in kube-sim itself, plus the bootstrap system:discovery binding
 * (built in, not stored, so listings of RBAC objects stay what the caller applied).
 *
 * Every decision is recorded with the rule that allowed it, so a test can list the granted rules
 * no request used (`unusedGrants`): the evidence that a role is no wider than its callers.
 */

export interface UserInfo {
  readonly user: string;
  /** Always includes system:authenticated, as the API server's authenticators add it. */
  readonly groups: readonly string[];
}

export const SYSTEM_MASTERS = 'system:masters';
export const SYSTEM_AUTHENTICATED = 'system:authenticated';

export interface ObjectReference {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The binding, the role it refers to and the index of the rule in that role. */
export interface RuleSource {
  readonly binding: ObjectReference;
  readonly role: ObjectReference;
  readonly ruleIndex: number;
}

export interface AuthorizationDecision extends UserInfo {
  readonly request: RequestAttributes;
  readonly allowed: boolean;
  /** The authorizer's reason, as the audit annotation `authorization.k8s.io/reason` carries it. */
  readonly reason: string;
  /** The RBAC rule that allowed the request (none for system:masters and for denials). */
  readonly source?: RuleSource;
}

/** One verb on one resource (or URL) a user holds through one rule, in a namespace or everywhere. */
export interface Grant {
  /** A broken-down rule: one verb, one group, one resource, at most one resource name. */
  readonly rule: V1PolicyRule;
  /** The RoleBinding's namespace; none for a ClusterRoleBinding (every namespace and cluster scope). */
  readonly namespace?: string;
  readonly source: RuleSource;
}

export type AuthorizationMode = 'AlwaysAllow' | 'RBAC';

interface BoundRules {
  readonly binding: ObjectReference;
  readonly role: ObjectReference;
  readonly subject: RbacV1Subject;
  readonly namespace?: string;
  readonly rules: readonly V1PolicyRule[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The bootstrap ClusterRole system:discovery, bound to every authenticated user. */
const DISCOVERY: BoundRules = {
  binding: { kind: 'ClusterRoleBinding', name: 'system:discovery' },
  role: { kind: 'ClusterRole', name: 'system:discovery' },
  subject: { kind: 'Group', apiGroup: RBAC_GROUP, name: SYSTEM_AUTHENTICATED },
  rules: [
    {
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/healthz',
        '/livez',
        '/openapi',
        '/openapi/*',
        '/readyz',
        '/version',
        '/version/',
      ],
      verbs: ['get'],
    },
  ],
};

function appliesTo(user: UserInfo, subject: RbacV1Subject, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.user;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== undefined && user.user === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: RbacV1Subject, bindingNamespace: string | undefined): string {
  if (subject.kind === 'ServiceAccount')
    return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** `RBAC: allowed by RoleBinding "name/ns" of Role "role" to Group "g"`, as the RBAC authorizer says it. */
function allowedReason(bound: BoundRules): string {
  const binding = bound.namespace ? `${bound.binding.name}/${bound.namespace}` : bound.binding.name;
  return `RBAC: allowed by ${bound.binding.kind} "${binding}" of ${bound.role.kind} "${bound.role.name}" to ${describeSubject(bound.subject, bound.namespace)}`;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several in brackets. */
function aggregate(errors: readonly string[]): string {
  return errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
}

function sameReference(left: ObjectReference, right: ObjectReference): boolean {
  return left.kind === right.kind && left.name === right.name && left.namespace === right.namespace;
}

function sameSource(left: RuleSource, right: RuleSource): boolean {
  return (
    left.ruleIndex === right.ruleIndex &&
    sameReference(left.binding, right.binding) &&
    sameReference(left.role, right.role)
  );
}

export class RbacAuthorizer {
  readonly decisions: AuthorizationDecision[] = [];

  constructor(private readonly api: ObjectApi) {}

  /** Decides (and records) one request; never throws. */
  authorize(user: UserInfo, request: RequestAttributes): AuthorizationDecision {
    const decision = this.decide(user, request);
    this.decisions.push(decision);
    return decision;
  }

  /** The rules `user` holds in `namespace` (cluster-wide ones only when none), for the escalation check. */
  rulesFor(user: UserInfo, namespace: string | undefined): { rules: V1PolicyRule[]; errors: string[] } {
    const errors: string[] = [];
    const rules = this.bound(user, namespace === undefined ? [] : [namespace], errors).flatMap(
      (bound) => bound.rules,
    );
    return { rules, errors };
  }

  /** The rules of the role a binding refers to, or why they cannot be found. */
  roleReferenceRules(roleRef: V1RoleRef, namespace: string | undefined): V1PolicyRule[] | string {
    const role = this.roleOf(roleRef, namespace);
    return typeof role === 'string' ? role : ((role.rules as V1PolicyRule[] | undefined) ?? []);
  }

  /** Everything the stored bindings give `user`, in every namespace, one verb and resource at a time. */
  grantsOf(user: UserInfo): Grant[] {
    const namespaces = this.api.list(TYPES.namespace).map((namespace) => namespace.metadata.name ?? '');
    return this.bound(user, namespaces, [])
      .filter((bound) => bound !== DISCOVERY)
      .flatMap((bound) =>
        bound.rules.flatMap((rule, ruleIndex) =>
          breakdownRule(rule).map((single) => ({
            rule: single,
            ...(bound.namespace === undefined ? {} : { namespace: bound.namespace }),
            source: { binding: bound.binding, role: bound.role, ruleIndex },
          })),
        ),
      );
  }

  /** The grants of `user` that no recorded request of that user was allowed by. */
  unusedGrants(user: UserInfo): Grant[] {
    const used = this.decisions.filter((decision) => decision.allowed && decision.user === user.user);
    return this.grantsOf(user).filter(
      (grant) =>
        !used.some(
          (decision) =>
            decision.source !== undefined &&
            sameSource(decision.source, grant.source) &&
            ruleAllows(grant.rule, decision.request),
        ),
    );
  }

  private decide(caller: UserInfo, request: RequestAttributes): AuthorizationDecision {
    // The caller may be a whole Identity: keep only who it is.
    const user: UserInfo = { user: caller.user, groups: caller.groups };
    if (user.groups.includes(SYSTEM_MASTERS)) {
      return { ...user, request, allowed: true, reason: `allowed: member of ${SYSTEM_MASTERS}` };
    }
    const namespace = request.kind === 'resource' ? request.namespace : undefined;
    const errors: string[] = [];
    for (const bound of this.bound(user, namespace ? [namespace] : [], errors)) {
      const ruleIndex = bound.rules.findIndex((rule) => ruleAllows(rule, request));
      if (ruleIndex >= 0) {
        return {
          ...user,
          request,
          allowed: true,
          reason: allowedReason(bound),
          source: { binding: bound.binding, role: bound.role, ruleIndex },
        };
      }
    }
    return {
      ...user,
      request,
      allowed: false,
      reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '',
    };
  }

  /**
   * The bindings that apply to `user`, in the RBAC authorizer's order: ClusterRoleBindings, then
   * the RoleBindings of each namespace given. A binding whose role is missing adds an error.
   */
  private bound(user: UserInfo, namespaces: readonly string[], errors: string[]): BoundRules[] {
    const result: BoundRules[] = [];
    if (user.groups.includes(SYSTEM_AUTHENTICATED)) result.push(DISCOVERY);
    // The store lists in name order: a stable stand-in for the informer cache's order.
    const clusterBindings = this.api.list(TYPES.clusterRoleBinding);
    const namespaceBindings = namespaces.flatMap((namespace) => this.api.list(TYPES.roleBinding, namespace));
    for (const binding of [...clusterBindings, ...namespaceBindings]) {
      const namespace = binding.metadata.namespace;
      const subject = ((binding.subjects as RbacV1Subject[] | undefined) ?? []).find((candidate) =>
        appliesTo(user, candidate, namespace),
      );
      if (!subject) continue;
      const roleRef = binding.roleRef as V1RoleRef;
      const role = this.roleOf(roleRef, namespace);
      if (typeof role === 'string') {
        errors.push(role);
        continue;
      }
      result.push({
        binding: {
          kind: binding.kind,
          name: binding.metadata.name ?? '',
          ...(namespace ? { namespace } : {}),
        },
        role: {
          kind: roleRef.kind,
          name: roleRef.name,
          ...(roleRef.kind === 'Role' && namespace ? { namespace } : {}),
        },
        subject,
        ...(namespace ? { namespace } : {}),
        rules: (role.rules as V1PolicyRule[] | undefined) ?? [],
      });
    }
    return result;
  }

  private roleOf(roleRef: V1RoleRef, namespace: string | undefined): KubeObject | string {
    if (roleRef.kind === 'Role' && namespace !== undefined) {
      return (
        this.api.find(TYPES.role, namespace, roleRef.name) ?? `role.${RBAC_GROUP} "${roleRef.name}" not found`
      );
    }
    if (roleRef.kind === 'ClusterRole') {
      return (
        this.api.find(TYPES.clusterRole, undefined, roleRef.name) ??
        `clusterrole.${RBAC_GROUP} "${roleRef.name}" not found`
      );
    }
    return `unsupported role reference kind: "${roleRef.kind}"`;
  }
}

/** `get apps/deployments in prefect`, `create core/pods/eviction in *`, `get /healthz`. */
export function describeGrant(grant: Grant): string {
  const { rule } = grant;
  const verb = rule.verbs[0] ?? '';
  if (rule.nonResourceURLs?.length) return `${verb} ${rule.nonResourceURLs[0]}`;
  const named = rule.resourceNames?.length ? ` named ${rule.resourceNames[0]}` : '';
  return `${verb} ${rule.apiGroups?.[0] || 'core'}/${rule.resources?.[0]}${named} in ${grant.namespace ?? '*'}`;
}
