import type { KubeSim } from '../kube-sim/index.ts';
import type { RunningPostgres } from '../postgres/index.ts';
import type { LocalPostgresNames } from './seed/postgres-access.ts';

/**
 * The DR database lives on its StatefulSet's volume claims. On EKS, deleting the claims (failback's
 * scale-dr-to-standby does) leaves the next PostgreSQL pod a fresh, empty volume, so the next
 * failover's restore finds no Prefect database. Locally the database is a PostgreSQL server outside
 * kube-sim, so this loop gives it that fate: while the DR cluster holds no claim of the PostgreSQL
 * StatefulSet (`<template>-<statefulset>-<ordinal>`), the Prefect database is dropped.
 */
export interface DrDatabaseVolumeOptions {
  readonly kube: KubeSim;
  readonly server: RunningPostgres;
  readonly names: LocalPostgresNames;
  readonly intervalMs?: number;
}

const DEFAULT_INTERVAL_MS = 200;

export function startDrDatabaseVolume(options: DrDatabaseVolumeOptions): { stop(): Promise<void> } {
  const { kube, server, names } = options;
  // The Service's first label is the StatefulSet's name (cluster-manifests' postgresLocation).
  const statefulSet = names.host.split('.')[0] ?? '';
  const claimOfStatefulSet = new RegExp(`-${statefulSet}-\\d+$`);
  const database = names.database.replace(/"/g, '""');
  // The server starts without the database, so only the loss of claims that existed drops it.
  let hadClaims = false;
  const dropWithoutVolume = async () => {
    const claims = kube
      .list('v1', 'PersistentVolumeClaim', names.namespace)
      .filter((claim) => claimOfStatefulSet.test(claim.metadata.name ?? ''));
    if (claims.length > 0 || !hadClaims) {
      hadClaims = claims.length > 0;
      return;
    }
    await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`, 'postgres');
    hadClaims = false;
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(dropWithoutVolume).catch(() => undefined);
  }, options.intervalMs ?? DEFAULT_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
