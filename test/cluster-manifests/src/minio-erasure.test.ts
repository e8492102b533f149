import { describe, expect, it } from 'vitest';
import {
  driveSizeGi,
  erasurePlan,
  erasureSets,
  MINIO_ERASURE,
  worstPodShareOfASet,
} from '../../../cluster-manifests/src/minio-erasure.ts';

describe('minio-erasure', () => {
  it('forms two 4+2 erasure sets from 4 pods with 3 drives each', () => {
    const plan = erasurePlan(4);
    expect(plan.sets).toHaveLength(2);
    expect(plan.sets.every((set) => set.length === 6)).toBe(true);
    expect({ data: plan.dataShards, parity: plan.parity }).toEqual({ data: 4, parity: 2 });
    expect(plan.efficiency).toBeCloseTo(4 / 6);
  });

  it('puts at most as many drives of one pod in a set as the set has parity', () => {
    const sets = erasureSets(4, MINIO_ERASURE.drivesPerPod, MINIO_ERASURE.setDriveCount);
    expect(sets[0]).toEqual([
      { pod: 0, drive: 0 },
      { pod: 1, drive: 0 },
      { pod: 2, drive: 0 },
      { pod: 3, drive: 0 },
      { pod: 0, drive: 1 },
      { pod: 1, drive: 1 },
    ]);
    expect(worstPodShareOfASet(sets)).toBe(2);
  });

  it('shows why 16 drives in one set with EC:2 would not survive one pod down', () => {
    // MinIO's default for 4 pods x 4 drives is one 16-drive set: a pod holds 4 of its drives.
    expect(worstPodShareOfASet(erasureSets(4, 4, 16))).toBe(4);
  });

  it('refuses a pod count whose drives do not divide into 6-drive sets', () => {
    expect(() => erasurePlan(3)).toThrow(/cannot cut 9 drives \(3 pods x 3\) into erasure sets of 6/);
  });

  it('refuses a layout where one pod holds more drives of a set than its parity', () => {
    // 2 pods x 3 drives in one set of 6: each pod holds 3 drives of it.
    expect(() => erasurePlan(2)).toThrow(/one pod holds 3 drives of an erasure set, more than its parity 2/);
  });

  it('sizes drives so that the usable capacity after parity reaches the target', () => {
    expect(driveSizeGi(1, 4)).toBe(128);
    expect(driveSizeGi(100, 4)).toBe(12_800);
    const usableTiB = (driveSizeGi(10, 4) * 12 * (4 / 6)) / 1024;
    expect(usableTiB).toBeGreaterThanOrEqual(10);
  });
});
