import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { MANIFESTS_ROOT } from '../../../cluster-manifests/src/generate.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';

/** The YAML as committed (what `kubectl apply` and GitOps read), parsed, per environment and file. */
export interface CommittedFile {
  readonly environment: string;
  readonly file: string;
  readonly documents: Manifest[];
}

let cache: CommittedFile[] | undefined;

/** Parsed once per test file: the files do not change while tests run. */
export function committedFiles(): CommittedFile[] {
  cache ??= readCommittedFiles();
  return cache;
}

function readCommittedFiles(): CommittedFile[] {
  return ENVIRONMENT_NAMES.flatMap((environment) => {
    const directory = join(MANIFESTS_ROOT, environment);
    return readdirSync(directory)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => {
        const parsed = parseAllDocuments(readFileSync(join(directory, file), 'utf8'));
        if (!Array.isArray(parsed)) throw new Error(`${environment}/${file} is not a YAML stream`);
        const errors = parsed.flatMap((document) => document.errors.map((error) => error.message));
        if (errors.length > 0) throw new Error(`${environment}/${file} does not parse: ${errors.join('; ')}`);
        return { environment, file, documents: parsed.map((document) => document.toJS() as Manifest) };
      });
  });
}

export function committedDocuments(environment: string): Manifest[] {
  return committedFiles()
    .filter((file) => file.environment === environment)
    .flatMap((file) => file.documents);
}
