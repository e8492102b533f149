import { afterEach, describe, expect, it } from 'vitest';
import { KubeSim, startKubeSim } from '../../../local/kube-sim/index.ts';

describe('KubeSim goOffline / goOnline', () => {
  let sim: KubeSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  const namespaces = async (url: string, token: string) => {
    const response = await fetch(`${url}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await response.json()) as { items: { metadata: { name: string } }[] }).items.map(
      (item) => item.metadata.name,
    );
  };

  it('refuses connections while offline and serves the same objects on the same port after', async () => {
    sim = await startKubeSim();
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', namespace: 'default' },
      data: { a: '1' },
    });
    const url = sim.url;

    await sim.goOffline();
    const refused = await fetch(`${url}/version`).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error & { cause?: { code?: string } }).cause?.code)).toBe('ECONNREFUSED');

    await sim.goOnline();
    expect(sim.url).toBe(url);
    expect(await namespaces(url, sim.token)).toContain('default');
    const response = await fetch(`${url}/api/v1/namespaces/default/configmaps/kept`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(((await response.json()) as { data: Record<string, string> }).data).toEqual({ a: '1' });
  });

  it('refuses to come online before it ever listened', async () => {
    const unstarted = new KubeSim();
    await expect(unstarted.goOnline()).rejects.toThrow('needs a server that listened before');
  });
});
