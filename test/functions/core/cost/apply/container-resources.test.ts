import { describe, expect, it } from 'vitest';
import {
  containerResourcesOf,
  describeResourceChange,
  resourcesPatch,
  toContainerResources,
  toResources,
} from '../../../../../functions/core/cost/apply/container-resources.ts';
import { formatCpu, formatMemory, parseCpu } from '../../../../../functions/core/cost/apply/quantities.ts';

const MIB = 2 ** 20;

describe('quantities', () => {
  it('writes CPU in whole millicores, rounding up, and whole cores plainly', () => {
    expect(formatCpu(0.25)).toBe('250m');
    expect(formatCpu(0.2501)).toBe('251m');
    expect(formatCpu(2)).toBe('2');
    expect(parseCpu('250m')).toBe(0.25);
    expect(parseCpu('1.5')).toBe(1.5);
    expect(() => parseCpu('1 core')).toThrow(/not a CPU quantity/);
  });

  it('writes memory in whole MiB, rounding up, and whole GiB plainly', () => {
    expect(formatMemory(768 * MIB)).toBe('768Mi');
    expect(formatMemory(768 * MIB + 1)).toBe('769Mi');
    expect(formatMemory(2048 * MIB)).toBe('2Gi');
  });
});

describe('container resources', () => {
  const before = containerResourcesOf({
    requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' },
    limits: { memory: '2Gi' },
  });

  it('keeps the cluster strings of CPU and memory only', () => {
    expect(before).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(toResources(before)).toEqual({
      requests: { cpuCores: 0.5, memoryBytes: 1024 * MIB },
      limits: { memoryBytes: 2048 * MIB },
    });
  });

  it('keeps an unchanged quantity in its own notation', () => {
    const after = toContainerResources(
      { requests: { cpuCores: 0.25, memoryBytes: 1024 * MIB }, limits: { memoryBytes: 1536 * MIB } },
      before,
    );
    expect(after).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '1536Mi' } });
    expect(describeResourceChange(before, after)).toBe(
      'cpu 500m -> 250m (requests); memory 2Gi -> 1536Mi (limits)',
    );
  });

  it('patches with null for a quantity the target no longer has, so a rollback removes an added one', () => {
    const added = { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi', cpu: '1' } };
    expect(resourcesPatch(added, before)).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: null, memory: '2Gi' },
    });
  });
});
