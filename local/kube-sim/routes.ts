import { type ResourceType, resourceByPlural, type Subresource } from './resources.ts';

/** URL paths of the API server, parsed into what they address. */
export type Route =
  | { kind: 'root' | 'health' | 'version' | 'metrics' | 'coreVersions' | 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'resource'; type: ResourceType; namespace?: string; name?: string; subresource?: Subresource };

const HEALTH = new Set(['healthz', 'readyz', 'livez']);

export function parseRoute(pathname: string): Route | undefined {
  let segments: string[];
  try {
    segments = pathname
      .split('/')
      .filter((segment) => segment.length > 0)
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [first, second, third, ...rest] = segments;
  if (first === undefined) return { kind: 'root' };
  if (segments.length === 1 && HEALTH.has(first)) return { kind: 'health' };
  if (first && HEALTH.has(first) && segments.length === 2) return { kind: 'health' };
  if (segments.length === 1 && first === 'version') return { kind: 'version' };
  if (segments.length === 1 && first === 'metrics') return { kind: 'metrics' };
  if (first === 'api') {
    if (second === undefined) return { kind: 'coreVersions' };
    if (second !== 'v1') return undefined;
    if (third === undefined) return { kind: 'resourceList', group: '', version: 'v1' };
    return resourceRoute('', 'v1', [third, ...rest]);
  }
  if (first === 'apis') {
    if (second === undefined) return { kind: 'groups' };
    if (third === undefined) return { kind: 'group', group: second };
    if (rest.length === 0) return { kind: 'resourceList', group: second, version: third };
    return resourceRoute(second, third, rest);
  }
  return undefined;
}

function resourceRoute(group: string, version: string, segments: string[]): Route | undefined {
  let namespace: string | undefined;
  let rest = segments;
  // /namespaces/{ns}/{plural}... addresses namespaced resources; /namespaces/{name} is a Namespace.
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    const candidate = resourceByPlural(group, version, segments[2]!);
    if (candidate?.namespaced) {
      namespace = segments[1];
      rest = segments.slice(2);
    }
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = plural === undefined ? undefined : resourceByPlural(group, version, plural);
  if (!type || extra.length > 0) return undefined;
  if (type.namespaced && name !== undefined && namespace === undefined) return undefined;
  if (subresource !== undefined && !type.subresources.includes(subresource as Subresource)) return undefined;
  return {
    kind: 'resource',
    type,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    ...(subresource === undefined ? {} : { subresource: subresource as Subresource }),
  };
}
