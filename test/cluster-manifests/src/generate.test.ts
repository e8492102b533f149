import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvironment, MANIFESTS_ROOT, staleFiles } from '../../../cluster-manifests/src/generate.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';

describe('generate', () => {
  it.each(ENVIRONMENT_NAMES)(
    'finds the committed %s folder identical to what the sources generate',
    (environment) => {
      const { rendered } = buildEnvironment(environment);
      // When this fails: run `npm run manifests` and commit the regenerated folder.
      expect(staleFiles(join(MANIFESTS_ROOT, environment), rendered)).toEqual([]);
    },
  );

  describe('staleFiles', () => {
    let directory: string | undefined;
    afterEach(() => {
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    it('reports a changed, a missing and an extra file when the folder drifted', () => {
      directory = mkdtempSync(join(tmpdir(), 'cluster-manifests-'));
      const { rendered } = buildEnvironment('development');
      const [first, second] = [...rendered.keys()];
      for (const [file, text] of rendered) writeFileSync(join(directory, file), text);
      writeFileSync(
        join(directory, first!),
        `${readFileSync(join(directory, first!), 'utf8')}# edited by hand\n`,
      );
      rmSync(join(directory, second!));
      writeFileSync(join(directory, '99-leftover.yaml'), 'kind: ConfigMap\n');

      expect(staleFiles(directory, rendered).sort()).toEqual(
        [`${first} (out of date)`, `${second} (missing)`, '99-leftover.yaml (not generated any more)'].sort(),
      );
    });
  });
});
