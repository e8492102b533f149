import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
} from '@kubernetes/client-node';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import type { KubernetesApi } from '../../../functions/commons/kubernetes/api.ts';

/**
 * A KubernetesApi (get, list, create and server-side apply: the verbs the backup, validation and
 * provision code uses) that
 * authorizes every request as a member of one group, with the RBAC objects of the manifests the way
 * the API server's RBAC authorizer does, and serves objects from memory. It records which grants
 * were used, so a test can show a group holds exactly what its code needs.
 */

interface Request {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace?: string;
}

/** One (verb, group/resource, namespace or `*`) a role grants. */
export type Grant = string;

function grantKey(verb: string, apiGroup: string, resource: string, namespace: string | undefined): Grant {
  return `${verb} ${apiGroup || 'core'}/${resource} in ${namespace ?? '*'}`;
}

function grantsOfRules(rules: readonly V1PolicyRule[], namespace: string | undefined): Grant[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((apiGroup) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.map((verb) => grantKey(verb, apiGroup, resource, namespace)),
      ),
    ),
  );
}

/** Every grant the manifests give to members of `group`, through ClusterRoleBindings and RoleBindings. */
export function grantsOf(manifests: readonly Manifest[], group: string): Set<Grant> {
  const isMember = (binding: V1ClusterRoleBinding | V1RoleBinding) =>
    binding.subjects?.some((subject) => subject.kind === 'Group' && subject.name === group) ?? false;
  const find = <T>(kind: string, name: string, namespace?: string) =>
    manifests.find(
      (object) =>
        object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace,
    ) as T | undefined;
  const grants: Grant[] = [];
  for (const object of manifests) {
    if (object.kind === 'ClusterRoleBinding' && isMember(object as V1ClusterRoleBinding)) {
      const role = find<V1ClusterRole>('ClusterRole', (object as V1ClusterRoleBinding).roleRef.name);
      grants.push(...grantsOfRules(role?.rules ?? [], undefined));
    }
    if (object.kind === 'RoleBinding' && isMember(object as V1RoleBinding)) {
      const { roleRef } = object as V1RoleBinding;
      const namespace = object.metadata.namespace;
      const rules =
        roleRef.kind === 'ClusterRole'
          ? find<V1ClusterRole>('ClusterRole', roleRef.name)?.rules
          : find<V1Role>('Role', roleRef.name, namespace)?.rules;
      grants.push(...grantsOfRules(rules ?? [], namespace));
    }
  }
  return new Set(grants);
}

/** `/api/v1/namespaces/ns/pods/name` -> its group, namespace, resource and name. */
function parsePath(path: string): { apiGroup: string; namespace?: string; resource: string; name?: string } {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  const apiGroup = segments[0] === 'api' ? '' : (segments[1] ?? '');
  const [namespace, tail] =
    rest[0] === 'namespaces' && rest.length > 2 ? [rest[1], rest.slice(2)] : [undefined, rest];
  const [resource = '', name] = tail;
  return { apiGroup, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) };
}

/** The equality terms of a label selector (`a=b,c=d`), the only kind this code sends. */
function equalityLabels(selector: string | undefined): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(
    selector.split(',').map((term) => {
      const [key = '', value = ''] = term.split('=');
      return [key.trim(), value.trim()];
    }),
  );
}

function objectPath(object: Manifest, collection: string): string {
  return `${collection}/${object.metadata.name}`;
}

export class RbacEnforcingApi {
  readonly used = new Set<Grant>();
  private readonly objects = new Map<string, unknown>();

  constructor(
    private readonly grants: Set<Grant>,
    private readonly group: string,
    /** What the test's "cluster" does to an object once created (a Job that fails, say). */
    public afterCreate: ((object: Manifest) => void) | undefined = undefined,
  ) {}

  /** Serves `object` at `path` (an object path such as `/apis/apps/v1/namespaces/minio/statefulsets/minio`). */
  seed(path: string, object: unknown): this {
    this.objects.set(path, object);
    return this;
  }

  private authorize(request: Request): void {
    const namespaced = grantKey(request.verb, request.apiGroup, request.resource, request.namespace);
    const clusterWide = grantKey(request.verb, request.apiGroup, request.resource, undefined);
    const grant = [namespaced, clusterWide].find((key) => this.grants.has(key));
    if (!grant) {
      throw new Error(
        `forbidden: group ${this.group} cannot ${request.verb} ${request.apiGroup || 'core'}/${request.resource}${request.namespace ? ` in namespace ${request.namespace}` : ' at cluster scope'}`,
      );
    }
    this.used.add(grant);
  }

  asKubernetesApi(): KubernetesApi {
    const refuse = (verb: string) => () =>
      Promise.reject(new Error(`${verb} is not expected from this code`));
    return {
      get: async (path) => {
        const { name: _name, ...target } = parsePath(path.path);
        this.authorize({ verb: 'get', ...target });
        return this.objects.get(path.path) as never;
      },
      list: async (path, options) => {
        this.authorize({ verb: 'list', ...parsePath(path.path) });
        const prefix = `${path.path}/`;
        const wanted = Object.entries(equalityLabels(options?.labelSelector));
        return [...this.objects.entries()]
          .filter(([key]) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
          .map(([, object]) => object as Manifest)
          .filter((object) =>
            wanted.every(([key, value]) => object.metadata.labels?.[key] === value),
          ) as never;
      },
      create: async (path, body) => {
        this.authorize({ verb: 'create', ...parsePath(path.path) });
        const object = structuredClone(body) as Manifest;
        this.afterCreate?.(object);
        this.objects.set(objectPath(object, path.path), object);
        return object as never;
      },
      // Server-side apply is a PATCH that creates a missing object, which the API server then
      // authorizes as a create as well.
      apply: async (path, configuration) => {
        const target = parsePath(path.path);
        const { name: _name, ...resource } = target;
        this.authorize({ verb: 'patch', ...resource });
        if (!this.objects.has(path.path)) this.authorize({ verb: 'create', ...resource });
        const object = {
          ...(this.objects.get(path.path) as object | undefined),
          ...structuredClone(configuration),
        };
        this.objects.set(path.path, object);
        return object as never;
      },
      delete: async (path) => {
        const { name: _name, ...target } = parsePath(path.path);
        this.authorize({ verb: 'delete', ...target });
        this.objects.delete(path.path);
        return undefined as never;
      },
      replace: refuse('replace'),
      patch: refuse('patch'),
      evict: refuse('evict'),
    };
  }
}
