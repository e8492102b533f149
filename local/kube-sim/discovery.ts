import {
  apiVersionOf,
  groupVersions,
  type ResourceType,
  resourcesIn,
  type Subresource,
  VERBS,
} from './resources.ts';

/** Discovery documents: what `kubectl api-resources` and KubernetesObjectApi read first. */
export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function coreApiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string) {
  const versions = groupVersions()
    .filter((entry) => entry.group === group)
    .map((entry) => ({ groupVersion: apiVersionOf(entry), version: entry.version }));
  return { name: group, versions, preferredVersion: versions[0]! };
}

export function apiGroupList() {
  const groups = [...new Set(groupVersions().map((entry) => entry.group))].filter((group) => group !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupEntry) };
}

export function apiGroup(group: string) {
  if (!groupVersions().some((entry) => entry.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group) };
}

const SUBRESOURCE_DISCOVERY: Record<
  Subresource,
  { group?: string; version?: string; kind?: string; verbs: string[] }
> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  log: { kind: 'Pod', verbs: ['get'] },
};

function subresourceEntries(type: ResourceType) {
  return type.subresources.map((subresource) => {
    const { kind, ...rest } = SUBRESOURCE_DISCOVERY[subresource];
    return {
      name: `${type.plural}/${subresource}`,
      singularName: '',
      namespaced: type.namespaced,
      kind: kind ?? type.kind,
      ...rest,
    };
  });
}

export function apiResourceList(group: string, version: string) {
  const types = resourcesIn(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: types.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: [...VERBS],
        ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      },
      ...subresourceEntries(type),
    ]),
  };
}
