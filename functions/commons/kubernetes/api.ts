import type { V1Status } from '@kubernetes/client-node';
import { InvalidInputError, KubernetesApiError } from '../errors.ts';
import { errorFromFailure, errorFromResponse, isNotFound } from './errors.ts';
import { type CollectionPath, kubernetesResources, type ObjectPath } from './resources.ts';
import {
  type HttpAnswer,
  type HttpExchange,
  type KubernetesConnection,
  sendHttpRequest,
} from './transport.ts';

/**
 * The Kubernetes REST API as the Lambdas use it: a handful of generic verbs over typed paths
 * (./resources.ts), typed with @kubernetes/client-node's model types only (type imports, no
 * runtime code: its generated API cannot be tree-shaken and would quadruple every bundle).
 *
 * Reads of a missing object resolve to `undefined`; every other 404 is thrown as a
 * KubernetesApiError (`isNotFound(error)` tells which, for callers to whom "already gone" is fine).
 */

export interface ListOptions {
  /** `app=minio,tier!=cache`: equality, inequality, set-based and existence requirements. */
  labelSelector?: string;
  /** `spec.nodeName=ip-10-0-1-2,status.phase!=Succeeded`. */
  fieldSelector?: string;
  /**
   * Objects per request (default 500; 0 asks for everything at once). Every page is fetched,
   * following `metadata.continue`, so the result is always the whole list.
   */
  limit?: number;
}

export interface WriteOptions {
  /** Server-side dry run (`dryRun=All`): validated and admitted, never stored. */
  dryRun?: boolean;
  /** Who owns the fields written, as recorded in managedFields. */
  fieldManager?: string;
}

export type PatchStrategy = 'merge' | 'strategic-merge' | 'json' | 'apply';

/** RFC 6902 operation; `path` is a JSON pointer (`/spec/replicas`, `/metadata/labels/app~1tier`). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export type JsonPatchOptions = WriteOptions & { strategy: 'json' };
export type ObjectPatchOptions = WriteOptions &
  (
    | { strategy: 'merge' | 'strategic-merge' }
    /** Server-side apply: the field manager is required; `force` takes over fields others own. */
    | { strategy: 'apply'; fieldManager: string; force?: boolean }
  );

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  /** Whether and how dependents (a Job's pods, a Deployment's ReplicaSets) are deleted. */
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
}

export interface PodLogOptions {
  /** Required when the pod has more than one container. */
  container?: string;
  /** The last lines only. */
  tailLines?: number;
  /** At most this many bytes (the server cuts the log there, possibly mid-line). */
  limitBytes?: number;
  /** The log of the previous, terminated instance of the container (a crash-looping one's last run). */
  previous?: boolean;
}

export interface KubernetesApi {
  get<Resource>(path: ObjectPath<Resource>): Promise<Resource | undefined>;
  list<Resource>(path: CollectionPath<Resource>, options?: ListOptions): Promise<Resource[]>;
  create<Resource>(path: CollectionPath<Resource>, body: Resource, options?: WriteOptions): Promise<Resource>;
  /** PUT with the body's metadata.resourceVersion: 409 (KubernetesConflictError) if it changed since. */
  replace<Resource>(path: ObjectPath<Resource>, body: Resource, options?: WriteOptions): Promise<Resource>;
  patch<Resource>(
    path: ObjectPath<Resource>,
    operations: readonly JsonPatchOperation[],
    options: JsonPatchOptions,
  ): Promise<Resource>;
  patch<Resource>(path: ObjectPath<Resource>, body: object, options: ObjectPatchOptions): Promise<Resource>;
  /**
   * Server-side apply of a whole configuration (PATCH application/apply-patch+yaml): creates the
   * object when it is missing, otherwise merges it and takes ownership of the fields it names for
   * `fieldManager`; a field another manager owns with a different value is a 409 unless `force`.
   * Applying what is already there changes nothing (same resourceVersion and generation).
   */
  apply<Resource>(
    path: ObjectPath<Resource>,
    configuration: object,
    options: ApplyOptions,
  ): Promise<Resource>;
  /** Resolves to the object (when finalizers or foreground deletion keep it a while) or a Status. */
  delete<Resource>(path: ObjectPath<Resource>, options?: DeleteOptions): Promise<Resource | V1Status>;
  /** policy/v1 Eviction: respects PodDisruptionBudgets; a refusal is an EvictionBlockedError. */
  evict(namespace: string, pod: string, options?: { dryRun?: boolean }): Promise<void>;
  /** GET .../pods/{name}/log: a container's log as text. */
  podLog(namespace: string, pod: string, options?: PodLogOptions): Promise<string>;
}

export interface KubernetesApiOptions {
  /** Deadline of one HTTP request, connection to last byte. */
  timeoutMs?: number;
}

/**
 * A fixed connection, or a function asked before every request, so that a long-running caller
 * picks up the refreshed token from a cache (functions/commons/kubernetes-client.ts).
 */
export type ConnectionSource = KubernetesConnection | (() => Promise<KubernetesConnection>);

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Large enough for any real cluster's nodes in one page, small enough to bound one response. */
export const DEFAULT_PAGE_SIZE = 500;

const PATCH_CONTENT_TYPES: Record<PatchStrategy, string> = {
  merge: 'application/merge-patch+json',
  'strategic-merge': 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  // JSON is YAML, so the body stays JSON.
  apply: 'application/apply-patch+yaml',
};

interface ListPage<Resource> {
  items?: Resource[];
  metadata?: { continue?: string };
}

type PatchOptions = JsonPatchOptions | ObjectPatchOptions;

function withQuery(path: string, parameters: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.set(name, value);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager };
}

function describeSelectors({ labelSelector, fieldSelector }: ListOptions): string {
  const selectors = [labelSelector, fieldSelector].filter(Boolean);
  return selectors.length > 0 ? ` (${selectors.join(', ')})` : '';
}

/** 410 Expired on a continued list: the snapshot behind the continue token was compacted away. */
function isExpiredContinue(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.details.httpStatusCode === 410;
}

function checkPatchBody(operation: string, body: object, strategy: PatchStrategy): void {
  if (strategy === 'json' ? Array.isArray(body) : !Array.isArray(body)) return;
  throw new InvalidInputError(
    strategy === 'json'
      ? `${operation}: a JSON patch is a list of operations ([{ "op": "replace", "path": ..., "value": ... }]), got an object`
      : `${operation}: a ${strategy} patch is an object, got a list; use strategy 'json' for a list of operations`,
    { operation, strategy },
  );
}

export function createKubernetesApi(
  connection: ConnectionSource,
  options: KubernetesApiOptions = {},
): KubernetesApi {
  const connect = typeof connection === 'function' ? connection : async () => connection;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function exchange(operation: string, request: HttpExchange, eviction = false): Promise<string> {
    let answer: HttpAnswer;
    try {
      answer = await sendHttpRequest(await connect(), request, timeoutMs);
    } catch (error) {
      throw errorFromFailure(operation, error);
    }
    if (answer.statusCode < 200 || answer.statusCode > 299) {
      throw errorFromResponse(operation, answer.statusCode, answer.body, { eviction });
    }
    return answer.body;
  }

  async function exchangeJson<Result>(operation: string, request: HttpExchange): Promise<Result> {
    const body = await exchange(operation, request);
    try {
      return JSON.parse(body) as Result;
    } catch {
      throw new KubernetesApiError(
        `${operation}: the Kubernetes API answered with a body that is not JSON: ${body.slice(0, 120)}`,
        { operation },
      );
    }
  }

  async function listPages<Resource>(
    operation: string,
    path: CollectionPath<Resource>,
    options: ListOptions,
  ): Promise<Resource[]> {
    const items: Resource[] = [];
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    let continueToken: string | undefined;
    do {
      let page: ListPage<Resource>;
      try {
        page = await exchangeJson(operation, {
          method: 'GET',
          path: withQuery(path.path, {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: limit > 0 ? String(limit) : undefined,
            continue: continueToken,
          }),
        });
      } catch (error) {
        if (!continueToken || !isExpiredContinue(error)) throw error;
        // As client-go's pager does: rather than fail a long list near its end, list again in one
        // unpaginated request, which needs no continue token.
        return await listPages(operation, path, { ...options, limit: 0 });
      }
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  async function patch<Resource>(
    path: ObjectPath<Resource>,
    body: object,
    patchOptions: PatchOptions,
  ): Promise<Resource> {
    const operation = `patch (${patchOptions.strategy}) ${path.description}`;
    checkPatchBody(operation, body, patchOptions.strategy);
    const force = patchOptions.strategy === 'apply' && patchOptions.force ? 'true' : undefined;
    return exchangeJson(operation, {
      method: 'PATCH',
      path: withQuery(path.path, { ...writeQuery(patchOptions), force }),
      body: JSON.stringify(body),
      contentType: PATCH_CONTENT_TYPES[patchOptions.strategy],
    });
  }

  return {
    async get(path) {
      try {
        return await exchangeJson(`get ${path.description}`, { method: 'GET', path: path.path });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    list(path, listOptions = {}) {
      return listPages(`list ${path.description}${describeSelectors(listOptions)}`, path, listOptions);
    },

    create(path, body, writeOptions = {}) {
      return exchangeJson(`create ${path.description}`, {
        method: 'POST',
        path: withQuery(path.path, writeQuery(writeOptions)),
        body: JSON.stringify(body),
      });
    },

    replace(path, body, writeOptions = {}) {
      return exchangeJson(`replace ${path.description}`, {
        method: 'PUT',
        path: withQuery(path.path, writeQuery(writeOptions)),
        body: JSON.stringify(body),
      });
    },

    patch,

    apply(path, configuration, applyOptions) {
      return patch(path, configuration, { ...applyOptions, strategy: 'apply' });
    },

    delete(path, deleteOptions = {}) {
      const { dryRun, propagationPolicy, gracePeriodSeconds } = deleteOptions;
      return exchangeJson(`delete ${path.description}`, {
        method: 'DELETE',
        path: withQuery(path.path, writeQuery({ dryRun })),
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy,
          gracePeriodSeconds,
        }),
      });
    },

    async evict(namespace, pod, evictOptions = {}) {
      const target = kubernetesResources.pods.named(namespace, pod);
      const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } };
      await exchange(
        `evict ${target.description}`,
        {
          method: 'POST',
          path: withQuery(`${target.path}/eviction`, writeQuery({ dryRun: evictOptions.dryRun })),
          body: JSON.stringify(eviction),
        },
        true,
      );
    },

    podLog(namespace, pod, logOptions = {}) {
      const target = kubernetesResources.pods.named(namespace, pod);
      const { container, tailLines, limitBytes, previous } = logOptions;
      return exchange(`read the log of ${target.description}${container ? ` (${container})` : ''}`, {
        method: 'GET',
        path: withQuery(`${target.path}/log`, {
          container,
          tailLines: tailLines === undefined ? undefined : String(tailLines),
          limitBytes: limitBytes === undefined ? undefined : String(limitBytes),
          previous: previous ? 'true' : undefined,
        }),
      });
    },
  };
}
