import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentName } from '../../infra/config/environment-config.ts';
import { environmentManifests, type ManifestFile } from './bundle.ts';
import { ENVIRONMENT_NAMES, loadClusterEnvironment } from './environments.ts';
import { policyViolations } from './policy.ts';
import { renderEnvironment } from './render.ts';

/**
 * `npm run manifests`: writes cluster-manifests/<environment>/*.yaml from the sources, after the
 * policy check (a violation writes nothing). `npm run manifests -- --check` writes nothing and exits
 * non-zero when a committed file differs from what the sources generate.
 */
export const MANIFESTS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The files of one environment, checked against the policy. */
export function buildEnvironment(name: EnvironmentName): {
  files: ManifestFile[];
  rendered: Map<string, string>;
} {
  const files = environmentManifests(loadClusterEnvironment(name));
  const violations = policyViolations(files.flatMap((file) => file.documents));
  if (violations.length > 0) {
    throw new Error(
      `the ${name} manifests break the policy:\n${violations.map((violation) => `  - ${violation}`).join('\n')}`,
    );
  }
  return { files, rendered: renderEnvironment(name, files) };
}

/** Files that differ from the generated ones, are missing, or should not be there. */
export function staleFiles(directory: string, rendered: Map<string, string>): string[] {
  const present = readdirSafe(directory).filter((file) => file.endsWith('.yaml'));
  const stale = present
    .filter((file) => !rendered.has(file))
    .map((file) => `${file} (not generated any more)`);
  for (const [file, text] of rendered) {
    if (!present.includes(file)) stale.push(`${file} (missing)`);
    else if (readFileSync(join(directory, file), 'utf8') !== text) stale.push(`${file} (out of date)`);
  }
  return stale;
}

function readdirSafe(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

function write(directory: string, rendered: Map<string, string>): void {
  mkdirSync(directory, { recursive: true });
  for (const file of readdirSafe(directory)) {
    if (file.endsWith('.yaml') && !rendered.has(file)) rmSync(join(directory, file));
  }
  for (const [file, text] of rendered) writeFileSync(join(directory, file), text);
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const name of ENVIRONMENT_NAMES) {
    const directory = join(MANIFESTS_ROOT, name);
    const { rendered } = buildEnvironment(name);
    if (check) {
      const problems = staleFiles(directory, rendered);
      stale += problems.length;
      for (const problem of problems) console.error(`cluster-manifests/${name}/${problem}`);
    } else {
      write(directory, rendered);
      console.log(`cluster-manifests/${name}: ${rendered.size} files`);
    }
  }
  if (stale > 0) console.error('run `npm run manifests` and commit the result');
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
