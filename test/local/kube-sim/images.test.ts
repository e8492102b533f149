import { describe, expect, it } from 'vitest';
import { ImageRegistry, normalizeImage } from '../../../local/kube-sim/images.ts';
import { parseQuantity } from '../../../local/kube-sim/quantity.ts';

describe('ImageRegistry', () => {
  it('treats short and fully qualified references to the same image alike', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('minio/minio:RELEASE.2024')).toBe('docker.io/minio/minio:RELEASE.2024');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImage('ghcr.io/x/y@sha256:abc')).toBe('ghcr.io/x/y@sha256:abc');
    expect(() => normalizeImage(' ')).toThrow(/must not be empty/);
  });

  it('lets every image through until enforcement is on', () => {
    const registry = new ImageRegistry(['nginx:1.27']);
    expect(registry.canPull('anything:1')).toBe(true);
    registry.enforce();
    expect(registry.canPull('docker.io/library/nginx:1.27')).toBe(true);
    expect(registry.canPull('nginx:1.28')).toBe(false);
    registry.remove('nginx:1.27').add('nginx:1.28');
    expect(registry.list()).toEqual(['docker.io/library/nginx:1.28']);
    expect(registry.enforce(false).canPull('nginx:0')).toBe(true);
  });
});

describe('parseQuantity', () => {
  it('reads cpu and memory quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('512M')).toBe(512e6);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(() => parseQuantity('lots')).toThrow(/not a Kubernetes quantity/);
  });
});
