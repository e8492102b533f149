import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_USER,
  describeGrant,
  type KubeObject,
  type KubeSim,
  SYSTEM_AUTHENTICATED,
  startKubeSim,
} from '../../../local/kube-sim/index.ts';
import { deployment, expectApiError } from './fixtures.ts';

/**
 * kube-sim with `authorization: 'RBAC'`: requests are allowed by the Roles and bindings stored in it,
 * the way kube-apiserver's RBAC authorizer allows them, and denied with its words.
 */
const RBAC = 'rbac.authorization.k8s.io';
const TOKENS = {
  'alice-token': { user: 'alice', groups: ['readers'] },
  'bob-token': { user: 'bob', groups: ['deployers'] },
  'carol-token': { user: 'carol', groups: ['rbac-writers'] },
  'dave-token': 'dave',
  'robot-token': 'system:serviceaccount:team-a:robot',
};
const ALICE = { user: 'alice', groups: ['readers', SYSTEM_AUTHENTICATED] };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function role(kind: 'Role' | 'ClusterRole', name: string, rules: object[], namespace?: string): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, rules };
}

function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  subject: object,
  namespace?: string,
): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: RBAC, ...roleRef },
    subjects: [subject],
  };
}

/** A fixture object, placed in team-a. */
function inTeamA(object: { metadata?: object }): KubeObject {
  return { ...object, metadata: { ...object.metadata, namespace: 'team-a' } } as KubeObject;
}

const group = (name: string) => ({ kind: 'Group', apiGroup: RBAC, name });

describe('kube-sim RBAC authorization', () => {
  let sim: KubeSim;

  async function call(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<Answer> {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': contentType ?? 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  const expectForbidden = (answer: Answer, message: string) => {
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(answer.body.message).toBe(message);
  };

  const configMap = (name: string, namespace: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { key: 'value' },
  });

  beforeAll(async () => {
    sim = await startKubeSim({
      authorization: 'RBAC',
      tokens: TOKENS,
      namespaces: ['default', 'team-a', 'team-b'],
    });
    sim.apply(
      role(
        'Role',
        'reader',
        [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
          { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
          { apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get'] },
        ],
        'team-a',
      ),
    );
    sim.apply(
      binding('RoleBinding', 'readers', { kind: 'Role', name: 'reader' }, group('readers'), 'team-a'),
    );
    sim.apply(role('ClusterRole', 'pod-lister', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]));
    sim.apply(
      binding(
        'RoleBinding',
        'readers-pods',
        { kind: 'ClusterRole', name: 'pod-lister' },
        group('readers'),
        'team-b',
      ),
    );
    sim.apply(
      binding(
        'RoleBinding',
        'readers-ghost',
        { kind: 'ClusterRole', name: 'ghost' },
        group('readers'),
        'team-b',
      ),
    );
    sim.apply(
      role('ClusterRole', 'deployer', [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['*'] },
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: ['*'], resources: ['configmaps'], verbs: ['patch', 'create'] },
      ]),
    );
    sim.apply(
      binding(
        'ClusterRoleBinding',
        'deployers',
        { kind: 'ClusterRole', name: 'deployer' },
        group('deployers'),
      ),
    );
    sim.apply(role('Role', 'robot', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }], 'team-a'));
    sim.apply(
      binding(
        'RoleBinding',
        'robot',
        { kind: 'Role', name: 'robot' },
        { kind: 'ServiceAccount', name: 'robot' },
        'team-a',
      ),
    );
    sim.apply(inTeamA(deployment('web', 1)));
    sim.apply(configMap('settings', 'team-a'));
    sim.apply(configMap('secrets-ish', 'team-a'));
  });
  afterAll(() => sim.stop());

  it('allows what a Role grants in its namespace and records the rule that allowed it', async () => {
    const apps = sim.kubeConfig('alice-token').makeApiClient(AppsV1Api);
    expect((await apps.readNamespacedDeployment({ name: 'web', namespace: 'team-a' })).metadata?.name).toBe(
      'web',
    );
    const listed = await apps.listNamespacedDeployment({ namespace: 'team-a' });
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['web']);
    expect(sim.rbac.decisions.at(-1)).toEqual({
      ...ALICE,
      request: {
        kind: 'resource',
        verb: 'list',
        apiGroup: 'apps',
        resource: 'deployments',
        namespace: 'team-a',
      },
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "readers/team-a" of Role "reader" to Group "readers"',
      source: {
        binding: { kind: 'RoleBinding', name: 'readers', namespace: 'team-a' },
        role: { kind: 'Role', name: 'reader', namespace: 'team-a' },
        ruleIndex: 0,
      },
    });
  });

  it('answers 403 with the API server Status when no rule grants the verb', async () => {
    const patch = await call(
      'alice-token',
      'PATCH',
      '/apis/apps/v1/namespaces/team-a/deployments/web',
      { spec: {} },
      'application/merge-patch+json',
    );
    expectForbidden(
      patch,
      'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments" in API group "apps" in the namespace "team-a"',
    );
    expect(patch.body.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
    expect(sim.rbac.decisions.at(-1)).toMatchObject({ user: 'alice', allowed: false, reason: '' });
    await expectApiError(sim.kubeConfig('alice-token').makeApiClient(CoreV1Api).listNode(), 403, 'Forbidden');
    // A dry run is authorized as the write it rehearses.
    expectForbidden(
      await call(
        'alice-token',
        'POST',
        '/apis/apps/v1/namespaces/team-a/deployments?dryRun=All',
        deployment('new', 1),
      ),
      'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "team-a"',
    );
    expectForbidden(
      await call('alice-token', 'GET', '/api/v1/nodes'),
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });

  it('keeps a Role to its own namespace and names a bound role that does not exist', async () => {
    expectForbidden(
      await call('alice-token', 'GET', '/apis/apps/v1/namespaces/team-b/deployments'),
      'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" in the namespace "team-b": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it('limits a ClusterRole bound by a RoleBinding to the binding namespace', async () => {
    expect((await call('alice-token', 'GET', '/api/v1/namespaces/team-b/pods')).status).toBe(200);
    expect((await call('alice-token', 'GET', '/api/v1/namespaces/team-a/pods')).status).toBe(403);
    expectForbidden(
      await call('alice-token', 'GET', '/api/v1/pods'),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope',
    );
  });

  it('gives a ClusterRoleBinding every namespace and the cluster scope', async () => {
    const scale = { spec: { replicas: 2 } };
    for (const namespace of ['team-a', 'default']) {
      const created = await call(
        'bob-token',
        'POST',
        `/api/v1/namespaces/${namespace}/configmaps`,
        configMap('made', namespace),
      );
      expect(created.status).toBe(201);
    }
    const scaled = await call(
      'bob-token',
      'PATCH',
      '/apis/apps/v1/namespaces/team-a/deployments/web/scale',
      scale,
      'application/merge-patch+json',
    );
    expect(scaled.status).toBe(200);
  });

  it('matches resourceNames only when the request names one of them', async () => {
    expect((await call('alice-token', 'GET', '/api/v1/namespaces/team-a/configmaps/settings')).status).toBe(
      200,
    );
    expectForbidden(
      await call('alice-token', 'GET', '/api/v1/namespaces/team-a/configmaps/secrets-ish'),
      'configmaps "secrets-ish" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "team-a"',
    );
    // A list names no object, so a rule limited to names never allows it.
    expect((await call('alice-token', 'GET', '/api/v1/namespaces/team-a/configmaps')).status).toBe(403);
  });

  it('authorizes a subresource as resource/subresource, apart from its resource', async () => {
    sim.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'worker', namespace: 'team-a' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    });
    sim.setPodLog('team-a', 'worker', 'hello\n');
    expect((await call('alice-token', 'GET', '/api/v1/namespaces/team-a/pods/worker/log')).status).toBe(200);
    expectForbidden(
      await call('alice-token', 'GET', '/api/v1/namespaces/team-a/pods/worker'),
      'pods "worker" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "team-a"',
    );
    expectForbidden(
      await call('alice-token', 'POST', '/api/v1/namespaces/team-a/pods/worker/eviction', {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'worker', namespace: 'team-a' },
      }),
      'pods "worker" is forbidden: User "alice" cannot create resource "pods/eviction" in API group "" in the namespace "team-a"',
    );
    expect((await call('bob-token', 'GET', '/apis/apps/v1/namespaces/team-a/deployments/web')).status).toBe(
      403,
    );
  });

  it('needs create as well as patch for a server-side apply that creates its object', async () => {
    const path = '/apis/apps/v1/namespaces/team-a/deployments/api';
    const apply = (query: string) =>
      call(
        'bob-token',
        'PATCH',
        `${path}?fieldManager=bob${query}`,
        { ...deployment('api', 1), metadata: { name: 'api' } },
        'application/apply-patch+yaml',
      );
    // withAuthorization wraps RBAC's (empty) reason: the real message ends with the colon.
    expectForbidden(await apply(''), 'deployments.apps "api" is forbidden: ');
    expectForbidden(await apply('&dryRun=All'), 'deployments.apps "api" is forbidden: ');
    expect(sim.rbac.decisions.at(-1)).toMatchObject({
      user: 'bob',
      request: { verb: 'create', name: 'api' },
      allowed: false,
    });
    sim.apply(inTeamA(deployment('api', 1)));
    expect((await apply('&force=true')).status).toBe(200);
    const created = await call(
      'bob-token',
      'PATCH',
      '/api/v1/namespaces/team-a/configmaps/applied?fieldManager=bob',
      configMap('applied', 'team-a'),
      'application/apply-patch+yaml',
    );
    expect(created.status).toBe(201);
  });

  it('matches ServiceAccount subjects by their system:serviceaccount user name and honours wildcards', async () => {
    expect((await call('robot-token', 'GET', '/apis/apps/v1/namespaces/team-a/deployments/web')).status).toBe(
      200,
    );
    expect((await call('robot-token', 'GET', '/api/v1/namespaces/team-a/configmaps/settings')).status).toBe(
      200,
    );
    expect((await call('robot-token', 'GET', '/api/v1/namespaces/team-a/configmaps')).status).toBe(403);
  });

  it('lets any authenticated user read discovery, version and health, and nothing else outside resources', async () => {
    for (const path of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/healthz']) {
      expect((await call('dave-token', 'GET', path)).status, path).toBe(200);
    }
    expectForbidden(await call('dave-token', 'GET', '/'), 'forbidden: User "dave" cannot get path "/"');
    expect((await call('dave-token', 'GET', '/api/v1/namespaces')).status).toBe(403);
  });

  it('lets system:masters do anything', async () => {
    expect((await call(sim.token, 'DELETE', '/api/v1/namespaces/team-a/configmaps/made')).status).toBe(200);
    expect(sim.rbac.decisions.at(-1)).toMatchObject({
      user: ADMIN_USER,
      allowed: true,
      reason: 'allowed: member of system:masters',
    });
  });

  it('refuses a Role that grants more than its author holds unless the author may escalate', async () => {
    sim.apply(
      role('ClusterRole', 'rbac-writer', [
        { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      ]),
    );
    sim.apply(
      binding(
        'RoleBinding',
        'rbac-writers',
        { kind: 'ClusterRole', name: 'rbac-writer' },
        group('rbac-writers'),
        'team-a',
      ),
    );
    const grantsSecrets = role('Role', 'secret-reader', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
    ]);
    expectForbidden(
      await call(
        'carol-token',
        'POST',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles',
        grantsSecrets,
      ),
      'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "carol" (groups=["rbac-writers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
    const grantsHeld = role('Role', 'config-reader', [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ]);
    expect(
      (
        await call(
          'carol-token',
          'POST',
          '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles',
          grantsHeld,
        )
      ).status,
    ).toBe(201);
    const bindsReader = binding('RoleBinding', 'bind-reader', { kind: 'Role', name: 'reader' }, group('x'));
    expectForbidden(
      await call(
        'carol-token',
        'POST',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings',
        bindsReader,
      ),
      // carol's configmaps get covers the Role's get of the one named settings.
      'rolebindings.rbac.authorization.k8s.io "bind-reader" is forbidden: user "carol" (groups=["rbac-writers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods/log"], Verbs:["get"]}\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}',
    );
    sim.apply(
      role('ClusterRole', 'rbac-writer', [
        { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create'] },
        { apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate', 'bind'] },
      ]),
    );
    expect(
      (
        await call(
          'carol-token',
          'POST',
          '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles',
          grantsSecrets,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await call(
          'carol-token',
          'POST',
          '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings',
          bindsReader,
        )
      ).status,
    ).toBe(201);
    expect(
      sim.rbac.decisions
        .filter((decision) => decision.user === 'carol')
        .map((decision) => decision.request.verb),
    ).toContain('bind');
  });

  it('lists the granted rules no request of the user was allowed by', () => {
    const unused = sim.rbac.unusedGrants(ALICE).map(describeGrant);
    expect(unused).toEqual([]);
    const bob = { user: 'bob', groups: ['deployers', SYSTEM_AUTHENTICATED] };
    expect(sim.rbac.unusedGrants(bob).map(describeGrant)).toEqual(['create core/pods/eviction in *']);
  });

  it('allows every authenticated request when authorization is left at AlwaysAllow', async () => {
    const open = await startKubeSim({ tokens: { t: 'nobody' } });
    try {
      const answer = await fetch(`${open.url}/api/v1/nodes`, { headers: { Authorization: 'Bearer t' } });
      expect(answer.status).toBe(200);
      expect(open.rbac.decisions).toEqual([]);
    } finally {
      await open.stop();
    }
  });
});
