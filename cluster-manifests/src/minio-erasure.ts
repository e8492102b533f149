/**
 * MinIO's erasure layout, computed the way MinIO computes it, so the choice of drives and parity
 * is checked rather than believed.
 *
 * "EC:4+2" means stripes of 6 shards: 4 data, 2 parity. An object survives the loss of any 2 of
 * its 6 drives, and writes keep quorum with 4 (MinIO's write quorum is the data count when parity
 * is less than half the stripe). MinIO chooses the stripe (erasure set) size from the total drive
 * count, and only sizes that divide it: 4 pods x 4 drives = 16 drives would give one 16-drive set,
 * where EC:2 means 14+2 and a single pod down (4 drives) loses read quorum, against the
 * PodDisruptionBudget that allows one pod down. So: 3 drives per pod (12 drives),
 * MINIO_ERASURE_SET_DRIVE_COUNT=6 (two sets) and MINIO_STORAGE_CLASS_STANDARD=EC:2.
 *
 * MinIO expands `http://minio-{0...3}…/data{0...2}` with the host varying fastest and cuts the
 * list into consecutive sets, so each 6-drive set holds at most 2 drives of any pod: one pod down
 * costs every set at most its parity. Usable capacity is 4/6 of the raw drives.
 */
export const MINIO_ERASURE = { drivesPerPod: 3, setDriveCount: 6, parity: 2 } as const;

export interface Drive {
  readonly pod: number;
  readonly drive: number;
}

/** The erasure sets MinIO forms for `pods` x `drivesPerPod` drives cut into sets of `setDriveCount`. */
export function erasureSets(pods: number, drivesPerPod: number, setDriveCount: number): Drive[][] {
  const total = pods * drivesPerPod;
  if (setDriveCount < 2 || setDriveCount > 16 || total % setDriveCount !== 0) {
    throw new Error(
      `MinIO cannot cut ${total} drives (${pods} pods x ${drivesPerPod}) into erasure sets of ${setDriveCount}: the set size must be 2-16 and divide the drive count`,
    );
  }
  const ordered: Drive[] = [];
  for (let drive = 0; drive < drivesPerPod; drive += 1) {
    for (let pod = 0; pod < pods; pod += 1) ordered.push({ pod, drive });
  }
  const sets: Drive[][] = [];
  for (let start = 0; start < total; start += setDriveCount)
    sets.push(ordered.slice(start, start + setDriveCount));
  return sets;
}

/** The most drives any one pod holds in any one set: what losing that pod costs the set. */
export function worstPodShareOfASet(sets: readonly Drive[][]): number {
  let worst = 0;
  for (const set of sets) {
    const perPod = new Map<number, number>();
    for (const { pod } of set) perPod.set(pod, (perPod.get(pod) ?? 0) + 1);
    worst = Math.max(worst, ...perPod.values());
  }
  return worst;
}

export interface ErasurePlan {
  readonly sets: Drive[][];
  readonly dataShards: number;
  readonly parity: number;
  /** Usable bytes per raw byte. */
  readonly efficiency: number;
}

/**
 * The layout for `pods` MinIO pods, refused unless it keeps reading and writing with one pod down
 * (the PodDisruptionBudget's promise) and parity stays within MinIO's limit (half the set).
 */
export function erasurePlan(pods: number): ErasurePlan {
  const { drivesPerPod, setDriveCount, parity } = MINIO_ERASURE;
  const sets = erasureSets(pods, drivesPerPod, setDriveCount);
  if (parity > setDriveCount / 2) {
    throw new Error(
      `EC:${parity} exceeds half of the ${setDriveCount}-drive erasure set, which MinIO refuses`,
    );
  }
  const lostWithOnePod = worstPodShareOfASet(sets);
  if (lostWithOnePod > parity) {
    throw new Error(
      `with ${pods} MinIO pods one pod holds ${lostWithOnePod} drives of an erasure set, more than its parity ${parity}: one pod down would lose quorum`,
    );
  }
  const dataShards = setDriveCount - parity;
  return { sets, dataShards, parity, efficiency: dataShards / setDriveCount };
}

/** Drive size (whole GiB) so that the usable capacity is at least `usableTiB`. */
export function driveSizeGi(usableTiB: number, pods: number): number {
  const { efficiency } = erasurePlan(pods);
  return Math.ceil((usableTiB * 1024) / efficiency / (pods * MINIO_ERASURE.drivesPerPod));
}
