import type { RbacAuthorizer, UserInfo } from './authorization.ts';
import { forbiddenOn, forbiddenRequest } from './forbidden.ts';
import type { KubeObject } from './model.ts';
import { confirmRbacWrite, isRbacWrite } from './rbac-escalation.ts';
import type { RequestAttributes } from './rbac-rules.ts';
import {
  type ApiRequest,
  type HandlerDependencies,
  handleResource,
  isWatchRequest,
} from './resource-handlers.ts';
import type { Route } from './routes.ts';

/**
 * Authorization of one API request, in the places kube-apiserver checks it: the authorization
 * filter (verb from the method, as RequestInfo derives it), the create check of a server-side apply
 * that creates its object (handlers/patch.go authorizes `create` as well as `patch`), and RBAC's
 * escalation prevention on writes of roles and bindings. Dry runs are authorized as the real verb.
 */

type ResourceRoute = Extract<Route, { kind: 'resource' }>;
type ResourceRequest = Extract<RequestAttributes, { kind: 'resource' }>;

const APPLY_PATCH = 'application/apply-patch+yaml';

function verbOf(method: string, named: boolean, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (named) return 'get';
      return isWatchRequest(query) ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** The request as RequestInfo sees it; a Namespace's own name is its namespace, as there. */
export function resourceAttributesOf(
  route: ResourceRoute,
  method: string,
  query: URLSearchParams,
): ResourceRequest {
  const { type, name, subresource } = route;
  const namespace = type.group === '' && type.plural === 'namespaces' ? name : route.namespace;
  return {
    kind: 'resource',
    verb: verbOf(method, name !== undefined, query),
    apiGroup: type.group,
    resource: type.plural,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

export interface AuthorizationDependencies extends HandlerDependencies {
  rbac: RbacAuthorizer;
}

/** Throws the API server's 403 when `user` may not make this request to a resource URL. */
export function authorizeResourceRequest(
  dependencies: AuthorizationDependencies,
  user: UserInfo,
  route: ResourceRoute,
  request: ApiRequest,
): void {
  const { rbac } = dependencies;
  const attributes = resourceAttributesOf(route, request.method, request.query);
  const decision = rbac.authorize(user, attributes);
  if (!decision.allowed) throw forbiddenRequest(user, attributes, decision.reason);
  const api = dependencies.controllers.api;
  const existing =
    route.name === undefined || route.subresource
      ? undefined
      : api.find(route.type, route.namespace, route.name);
  const mediaType = (request.contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (attributes.verb === 'patch' && mediaType === APPLY_PATCH && !route.subresource && !existing) {
    const create = rbac.authorize(user, { ...attributes, verb: 'create' });
    // handlers.withAuthorization wraps the authorizer's reason alone (empty for RBAC), not the filter's sentence.
    if (!create.allowed)
      throw forbiddenOn(attributes.apiGroup, attributes.resource, attributes.name, create.reason);
  }
  if (isRbacWrite(attributes)) {
    confirmRbacWrite(rbac, user, attributes, existing, storedBy(dependencies, route, request));
  }
}

/** The object the write would store, learned by running it as a dry run first. */
function storedBy(dependencies: HandlerDependencies, route: ResourceRoute, request: ApiRequest): KubeObject {
  const query = new URLSearchParams(request.query);
  query.set('dryRun', 'All');
  return handleResource(dependencies, route, { ...request, query }).body as KubeObject;
}

/** Discovery, version and health: any authenticated user, through the bootstrap system:discovery role. */
export function authorizeNonResourceRequest(
  rbac: RbacAuthorizer,
  user: UserInfo,
  method: string,
  path: string,
): void {
  const attributes: RequestAttributes = {
    kind: 'nonResource',
    verb: method === 'HEAD' ? 'get' : method.toLowerCase(),
    path,
  };
  const decision = rbac.authorize(user, attributes);
  if (!decision.allowed) throw forbiddenRequest(user, attributes, decision.reason);
}
