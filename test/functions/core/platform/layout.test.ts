import { describe, expect, it } from 'vitest';
import { defaultPlatformLayout, parsePlatformLayout } from '../../../../functions/core/platform/layout.ts';

describe('parsePlatformLayout', () => {
  it('returns the default layout when no override is given', () => {
    expect(parsePlatformLayout(undefined)).toEqual(defaultPlatformLayout);
    expect(parsePlatformLayout('  ')).toEqual(defaultPlatformLayout);
  });

  it('merges a partial override over the defaults', () => {
    const layout = parsePlatformLayout('{"minio": {"replicas": 6}}');

    expect(layout.minio).toEqual({ ...defaultPlatformLayout.minio, replicas: 6 });
    expect(layout.prefect).toEqual(defaultPlatformLayout.prefect);
  });

  it('throws ConfigurationError when the override is not JSON', () => {
    expect(() => parsePlatformLayout('{minio: 6}')).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: expect.stringContaining('not valid JSON'),
      }),
    );
  });

  it('throws ConfigurationError naming the field when the override has a wrong value', () => {
    expect(() => parsePlatformLayout('{"minio": {"replicas": "four"}}')).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: expect.stringContaining('minio.replicas: expected number, got "four"'),
      }),
    );
  });
});
