import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../infra/constructs/ops-function.ts';
import type { PlatformEndpoint } from '../../infra/stacks/ops-network.ts';

/**
 * The module through which a handler reaches each platform endpoint: the Kubernetes client (every
 * Kubernetes API call, kubernetes-cluster-reader.ts included, goes through it), the MinIO client,
 * the Prefect REST client, and remediation's Alertmanager silences and Prometheus queries.
 */
export const ENDPOINT_MODULES: Readonly<Record<PlatformEndpoint, string>> = {
  'kubernetes-api': 'functions/commons/kubernetes-client.ts',
  'minio-s3': 'functions/commons/minio-client.ts',
  'prefect-api': 'functions/core/validation/prefect-api.ts',
  'alertmanager-api': 'functions/core/remediation/silences.ts',
  'prometheus-api': 'functions/core/remediation/verify.ts',
};

/**
 * The endpoints each handler module reaches, read from its import graph as esbuild bundles it
 * (type-only imports drop out, as in the real bundle); packages stay external, so only the
 * project's own modules are walked (about 40 ms per handler).
 */
export async function endpointsReachedBy(
  handlerModules: readonly string[],
): Promise<Map<string, PlatformEndpoint[]>> {
  for (const module of Object.values(ENDPOINT_MODULES)) {
    if (!existsSync(path.join(REPO_ROOT, module))) {
      throw new Error(`${module} moved: update ENDPOINT_MODULES, or every handler reads as reaching nothing`);
    }
  }
  const reached = new Map<string, PlatformEndpoint[]>();
  for (const module of new Set(handlerModules)) {
    const { metafile } = await build({
      entryPoints: [path.join(REPO_ROOT, module)],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const inputs = new Set(Object.keys(metafile.inputs));
    reached.set(
      module,
      (Object.entries(ENDPOINT_MODULES) as [PlatformEndpoint, string][])
        .filter(([, endpointModule]) => inputs.has(endpointModule))
        .map(([endpoint]) => endpoint),
    );
  }
  return reached;
}
