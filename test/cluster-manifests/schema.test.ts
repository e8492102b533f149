import { describe, expect, it } from 'vitest';
import { committedFiles } from './support/committed-manifests.ts';
import { schemaProblems } from './support/kubernetes-schemas.ts';

describe('cluster-manifests schemas', () => {
  const files = committedFiles();

  it('finds the nine files of every environment', () => {
    expect(files.map((file) => `${file.environment}/${file.file}`)).toHaveLength(27);
  });

  it.each(files.map((file) => [`${file.environment}/${file.file}`, file] as const))(
    'validates every document of %s against its Kubernetes schema',
    async (_name, file) => {
      const problems: string[] = [];
      for (const document of file.documents) {
        for (const problem of await schemaProblems(document as unknown as Record<string, unknown>)) {
          problems.push(
            `${document.kind} ${document.metadata?.namespace ?? ''}/${document.metadata?.name}: ${problem}`,
          );
        }
      }
      expect(problems).toEqual([]);
    },
  );
});

describe('schemaProblems', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prefect' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27.3' }] },
      },
    },
  });

  it('accepts a valid document', async () => {
    expect(await schemaProblems(deployment())).toEqual([]);
  });

  it('reports a misspelt field when the schema alone would let it through', async () => {
    const document = deployment();
    (document.spec.template.spec.containers[0] as Record<string, unknown>).readinessprobe = {};
    expect(await schemaProblems(document)).toEqual([
      '$.spec.template.spec.containers[0].readinessprobe: unknown field (V1Container has no such field)',
    ]);
  });

  it('reports a wrong type and a missing required field', async () => {
    const document = deployment() as Record<string, unknown> & { spec: Record<string, unknown> };
    document.spec.replicas = 'three';
    delete document.spec.selector;
    const problems = (await schemaProblems(document)).join('\n');
    expect(problems).toMatch(/replicas must be (integer|number)/);
    expect(problems).toMatch(/must have required property selector/);
  });

  it('validates custom resources with their CRD schemas', async () => {
    const peerAuthentication = {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'minio' },
      spec: { mtls: { mode: 'STRIKT' } },
    };
    expect((await schemaProblems(peerAuthentication)).join('\n')).toMatch(
      /mtls\/mode must be equal to one of the allowed values/,
    );
  });

  it('refuses a kind it has no schema for', async () => {
    expect(
      await schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toEqual([
      'no schema for example.com/v1 Widget (kubernetes-models/example.com/v1/Widget does not exist)',
    ]);
  });
});
