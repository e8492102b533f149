import { parse as parseYaml } from 'yaml';
import type { ControllerContext } from './controllers/context.ts';
import { apiErrors, successStatus } from './errors.ts';
import { evictPod } from './eviction.ts';
import type { LogQuery, PodLogs } from './logs.ts';
import { isPlainObject, type KubeObject, type Pod } from './model.ts';
import type { DeleteOptions, PropagationPolicy } from './objects.ts';
import { PATCH_TYPES, type PatchType } from './patch.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import type { Route } from './routes.ts';
import { patchScale, scaleOf, updateScale } from './scale.ts';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector } from './selectors.ts';

/**
 * The verbs on resource URLs: list/get/create/update/patch/delete/deletecollection and the
 * status, scale, eviction and log subresources, translated to ObjectApi calls.
 */
export interface ApiRequest {
  method: string;
  query: URLSearchParams;
  contentType: string;
  rawBody: string;
  manager: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface HandlerDependencies {
  controllers: ControllerContext;
  logs: PodLogs;
}

type ResourceRoute = Extract<Route, { kind: 'resource' }>;

const JSON_TYPES = ['application/json', 'application/yaml'];

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function parseBody(request: ApiRequest, accepted: readonly string[]): unknown {
  const type = mediaType(request.contentType);
  if (!accepted.includes(type)) throw apiErrors.unsupportedMediaType(type, accepted);
  if (!request.rawBody.trim()) throw apiErrors.badRequest('the request has no body; expected a JSON object');
  try {
    return type.endsWith('yaml') ? parseYaml(request.rawBody) : JSON.parse(request.rawBody);
  } catch (error) {
    throw apiErrors.badRequest(
      `the request body is not valid ${type.endsWith('yaml') ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const value of values) {
    if (value !== 'All')
      throw apiErrors.badRequest(`dryRun: Unsupported value: "${value}": supported values: "All"`);
  }
  return values.length > 0;
}

function writeOptions(request: ApiRequest) {
  return { dryRun: dryRunOf(request.query), manager: request.query.get('fieldManager') || request.manager };
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw apiErrors.badRequest(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

interface ContinueToken {
  resourceVersion: string;
  after: string;
}

function objectKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof decoded.after === 'string' && typeof decoded.resourceVersion === 'string') return decoded;
  } catch {
    // fall through to the error below
  }
  throw apiErrors.badRequest(`continue key is not valid: "${token}" was not issued by this server`);
}

/** `?watch=true` (or 1) on a collection GET: the verb is watch, not list. */
export function isWatchRequest(query: URLSearchParams): boolean {
  return query.get('watch') === 'true' || query.get('watch') === '1';
}

function listObjects(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  query: URLSearchParams,
): ApiResponse {
  if (isWatchRequest(query)) {
    throw apiErrors.methodNotAllowed('GET', 'a watch: kube-sim serves list and get, not watch');
  }
  const { type } = route;
  const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined, type);
  const api = dependencies.controllers.api;
  const continueToken = query.get('continue');
  const start = continueToken ? decodeContinue(continueToken) : undefined;
  const matching = api
    .list(type, route.namespace)
    .filter(
      (object) => matchesRequirements(labels, object.metadata.labels) && matchesFields(fields, object, type),
    )
    .filter((object) => !start || objectKey(object) > start.after);
  const limit = integerParam(query, 'limit');
  const page = limit ? matching.slice(0, limit) : matching;
  const resourceVersion = start?.resourceVersion ?? String(api.store.revision);
  const remaining = matching.length - page.length;
  const last = page[page.length - 1];
  const metadata: Record<string, unknown> = { resourceVersion };
  if (remaining > 0 && last) {
    metadata.continue = Buffer.from(JSON.stringify({ resourceVersion, after: objectKey(last) })).toString(
      'base64url',
    );
    metadata.remainingItemCount = remaining;
  }
  // Like the real server, list items carry no apiVersion/kind: the list's kind says what they are.
  const items = page.map(({ apiVersion: _apiVersion, kind: _kind, ...item }) => item);
  return { status: 200, body: { apiVersion: apiVersionOf(type), kind: `${type.kind}List`, metadata, items } };
}

function deleteOptionsOf(request: ApiRequest): DeleteOptions {
  let body: Record<string, unknown> = {};
  if (request.rawBody.trim()) {
    const parsed = parseBody(request, JSON_TYPES);
    if (isPlainObject(parsed)) body = parsed;
  }
  const policy =
    request.query.get('propagationPolicy') ??
    (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : undefined);
  const orphan =
    request.query.get('orphanDependents') ??
    (typeof body.orphanDependents === 'boolean' ? String(body.orphanDependents) : undefined);
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw apiErrors.badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const bodyDryRun = Array.isArray(body.dryRun) && body.dryRun.includes('All');
  const propagationPolicy = (policy ??
    (orphan === 'true' ? 'Orphan' : orphan === 'false' ? 'Background' : undefined)) as
    | PropagationPolicy
    | undefined;
  return {
    ...writeOptions(request),
    ...(bodyDryRun ? { dryRun: true } : {}),
    ...(propagationPolicy ? { propagationPolicy } : {}),
    ...(isPlainObject(body.preconditions)
      ? { preconditions: body.preconditions as DeleteOptions['preconditions'] }
      : {}),
  };
}

function deleteObject(
  dependencies: HandlerDependencies,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  request: ApiRequest,
): ApiResponse {
  const { object, removed } = dependencies.controllers.api.delete(
    type,
    namespace,
    name,
    deleteOptionsOf(request),
  );
  // Not gone yet (finalizers, foreground deletion, a terminating namespace): the API server
  // answers 200 with the object and its deletionTimestamp.
  if (!removed && object.metadata.deletionTimestamp) return { status: 200, body: object };
  if (type.deleteReturnsObject) return { status: 200, body: object };
  return {
    status: 200,
    body: successStatus(200, { name, group: type.group, kind: type.plural, uid: object.metadata.uid ?? '' }),
  };
}

function deleteCollection(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  request: ApiRequest,
): ApiResponse {
  const listed = listObjects(dependencies, route, request.query).body as { items: KubeObject[] };
  const deleted = listed.items.map(
    (item) =>
      dependencies.controllers.api.delete(
        route.type,
        item.metadata.namespace,
        item.metadata.name ?? '',
        deleteOptionsOf(request),
      ).object,
  );
  return {
    status: 200,
    body: {
      apiVersion: apiVersionOf(route.type),
      kind: `${route.type.kind}List`,
      metadata: {},
      items: deleted,
    },
  };
}

function patchTypeOf(request: ApiRequest): PatchType {
  const type = mediaType(request.contentType);
  if (!(PATCH_TYPES as readonly string[]).includes(type))
    throw apiErrors.unsupportedMediaType(type, PATCH_TYPES);
  return type as PatchType;
}

function patchBody(request: ApiRequest, patchType: PatchType): unknown {
  return parseBody(
    {
      ...request,
      contentType: patchType === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json',
    },
    JSON_TYPES,
  );
}

function handleCollection(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  request: ApiRequest,
): ApiResponse {
  switch (request.method) {
    case 'GET':
      return listObjects(dependencies, route, request.query);
    case 'POST':
      return {
        status: 201,
        body: dependencies.controllers.api.create(
          route.type,
          parseBody(request, JSON_TYPES),
          route.namespace,
          writeOptions(request),
        ),
      };
    case 'DELETE':
      return deleteCollection(dependencies, route, request);
    default:
      throw apiErrors.methodNotAllowed(request.method, route.type.plural);
  }
}

function handleItem(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  name: string,
  request: ApiRequest,
): ApiResponse {
  const { type, namespace } = route;
  const api = dependencies.controllers.api;
  switch (request.method) {
    case 'GET':
      return { status: 200, body: api.get(type, namespace, name) };
    case 'PUT':
      return {
        status: 200,
        body: api.update(type, parseBody(request, JSON_TYPES), namespace, name, writeOptions(request)),
      };
    case 'PATCH': {
      const patchType = patchTypeOf(request);
      const force = request.query.get('force') === 'true';
      // Apply has no default field manager: the client must say who owns the applied fields.
      const options = { ...writeOptions(request), force };
      if (patchType === 'application/apply-patch+yaml')
        options.manager = request.query.get('fieldManager') ?? '';
      const result = api.patch(type, namespace, name, patchType, patchBody(request, patchType), options);
      return { status: result.created ? 201 : 200, body: result.object };
    }
    case 'DELETE':
      return deleteObject(dependencies, type, namespace, name, request);
    default:
      throw apiErrors.methodNotAllowed(request.method, `${type.plural}/${name}`);
  }
}

function handleSubresource(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  name: string,
  request: ApiRequest,
): ApiResponse {
  const { type, namespace, subresource } = route;
  const api = dependencies.controllers.api;
  const key = `${subresource} ${request.method}`;
  switch (key) {
    case 'status GET':
      return { status: 200, body: api.get(type, namespace, name) };
    case 'status PUT':
      return {
        status: 200,
        body: api.update(type, parseBody(request, JSON_TYPES), namespace, name, {
          ...writeOptions(request),
          subresource: 'status',
        }),
      };
    case 'status PATCH': {
      const patchType = patchTypeOf(request);
      return {
        status: 200,
        body: api.patch(type, namespace, name, patchType, patchBody(request, patchType), {
          ...writeOptions(request),
          subresource: 'status',
        }).object,
      };
    }
    case 'scale GET':
      return { status: 200, body: scaleOf(api.get(type, namespace, name)) };
    case 'scale PUT':
      return {
        status: 200,
        body: updateScale(api, type, namespace, name, parseBody(request, JSON_TYPES), writeOptions(request)),
      };
    case 'scale PATCH': {
      const patchType = patchTypeOf(request);
      if (patchType === 'application/apply-patch+yaml')
        throw apiErrors.unsupportedMediaType(patchType, PATCH_TYPES.slice(0, 3));
      return {
        status: 200,
        body: patchScale(
          api,
          type,
          namespace,
          name,
          patchType,
          patchBody(request, patchType),
          writeOptions(request),
        ),
      };
    }
    case 'eviction POST':
      return evict(dependencies, namespace ?? '', name, request);
    case 'log GET':
      return {
        status: 200,
        contentType: 'text/plain',
        body: dependencies.logs.read(api.get(type, namespace, name) as Pod, logQueryOf(request.query)),
      };
    default:
      throw apiErrors.methodNotAllowed(request.method, `${type.plural}/${name}/${subresource}`);
  }
}

function logQueryOf(query: URLSearchParams): LogQuery {
  const container = query.get('container');
  const tailLines = integerParam(query, 'tailLines');
  const limitBytes = integerParam(query, 'limitBytes');
  return {
    ...(container ? { container } : {}),
    ...(tailLines === undefined ? {} : { tailLines }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
    previous: query.get('previous') === 'true',
  };
}

function evict(
  dependencies: HandlerDependencies,
  namespace: string,
  name: string,
  request: ApiRequest,
): ApiResponse {
  const body = parseBody(request, JSON_TYPES);
  if (!isPlainObject(body)) throw apiErrors.badRequest('the request body must be a policy/v1 Eviction');
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  if (metadata.name !== undefined && metadata.name !== name) {
    throw apiErrors.badRequest(
      `name in URL does not match name in Eviction object: ${name} != ${String(metadata.name)}`,
    );
  }
  const deleteOptions = isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
  const dryRun =
    dryRunOf(request.query) || (Array.isArray(deleteOptions.dryRun) && deleteOptions.dryRun.includes('All'));
  return { status: 201, body: evictPod(dependencies.controllers, namespace, name, dryRun) };
}

export function handleResource(
  dependencies: HandlerDependencies,
  route: ResourceRoute,
  request: ApiRequest,
): ApiResponse {
  if (route.name === undefined) return handleCollection(dependencies, route, request);
  if (route.subresource === undefined) return handleItem(dependencies, route, route.name, request);
  return handleSubresource(dependencies, route, route.name, request);
}
