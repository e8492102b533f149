import type { UserInfo } from './authorization.ts';
import { apiErrors, type KubeApiError } from './errors.ts';
import { combinedResource, type RequestAttributes } from './rbac-rules.ts';

/** The 403s of kube-apiserver's authorization, word for word, so clients and tests see real messages. */

/** `deployments.apps`, or `pods` in the core group (schema.GroupResource.String()). */
function qualifiedResource(apiGroup: string, resource: string): string {
  return apiGroup ? `${resource}.${apiGroup}` : resource;
}

/** errors.NewForbidden: `<resource> "<name>" is forbidden: <why>` (no name: `<resource> is forbidden: ...`). */
export function forbiddenOn(
  apiGroup: string,
  resource: string,
  name: string | undefined,
  why: string,
): KubeApiError {
  const named = name ? ` "${name}"` : '';
  return apiErrors.forbidden(`${qualifiedResource(apiGroup, resource)}${named} is forbidden: ${why}`, {
    name: name ?? '',
    group: apiGroup,
    kind: resource,
  });
}

/**
 * What the authorization filter sends for a denied request (responsewriters.Forbidden):
 * `deployments.apps "x" is forbidden: User "u" cannot patch resource "deployments" in API group
 * "apps" in the namespace "ns"`, with the authorizer's reason appended when it has one.
 */
export function forbiddenRequest(user: UserInfo, request: RequestAttributes, reason: string): KubeApiError {
  const because = reason ? `: ${reason}` : '';
  if (request.kind === 'nonResource') {
    return apiErrors.forbidden(
      `forbidden: User "${user.user}" cannot ${request.verb} path "${request.path}"${because}`,
    );
  }
  const scope = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope';
  const resource = combinedResource(request.resource, request.subresource);
  return forbiddenOn(
    request.apiGroup,
    request.resource,
    request.name,
    `User "${user.user}" cannot ${request.verb} resource "${resource}" in API group "${request.apiGroup}" ${scope}${because}`,
  );
}
