import * as z from 'zod/mini';
import type { ResourceAmounts, Resources } from '../recommendation.ts';
import { formatCpu, formatMemory, parseCpu, parseMemory } from './quantities.ts';

/**
 * A container's requests and limits exactly as the cluster holds them (Kubernetes quantity
 * strings). The before-state is kept in this form, so that a rollback writes back the very strings
 * that were there (`1Gi` stays `1Gi`, not `1024Mi`), and a field that was absent is removed again.
 */
const quantities = z.object({
  cpu: z.optional(z.string()),
  memory: z.optional(z.string()),
});
export const containerResourcesSchema = z.object({
  requests: z._default(quantities, {}),
  limits: z._default(quantities, {}),
});
export type ContainerResources = z.output<typeof containerResourcesSchema>;

type Quantities = ContainerResources['requests'];

/** What a pod template's container has (`resources` may be absent, and may hold other resources). */
export function containerResourcesOf(resources: {
  requests?: Record<string, unknown>;
  limits?: Record<string, unknown>;
}): ContainerResources {
  const pick = (values: Record<string, unknown> | undefined): Quantities => ({
    ...(values?.cpu === undefined ? {} : { cpu: String(values.cpu) }),
    ...(values?.memory === undefined ? {} : { memory: String(values.memory) }),
  });
  return { requests: pick(resources.requests), limits: pick(resources.limits) };
}

function amountsOf(values: Quantities): ResourceAmounts {
  return {
    ...(values.cpu === undefined ? {} : { cpuCores: parseCpu(values.cpu) }),
    ...(values.memory === undefined ? {} : { memoryBytes: parseMemory(values.memory) }),
  };
}

export function toResources(resources: ContainerResources): Resources {
  return { requests: amountsOf(resources.requests), limits: amountsOf(resources.limits) };
}

/**
 * The quantities to write for `target`. A value equal to the current one (after rounding) keeps
 * the current string, so an unchanged field is never rewritten in another notation.
 */
export function toContainerResources(target: Resources, current: ContainerResources): ContainerResources {
  const quantitiesOf = (amounts: ResourceAmounts, now: Quantities): Quantities => {
    const cpu = amounts.cpuCores === undefined ? undefined : formatCpu(amounts.cpuCores);
    const memory = amounts.memoryBytes === undefined ? undefined : formatMemory(amounts.memoryBytes);
    const same = (written: string | undefined, existing: string | undefined, parse: (q: string) => number) =>
      written !== undefined && existing !== undefined && parse(written) === parse(existing)
        ? existing
        : written;
    const keptCpu = same(cpu, now.cpu, parseCpu);
    const keptMemory = same(memory, now.memory, parseMemory);
    return {
      ...(keptCpu === undefined ? {} : { cpu: keptCpu }),
      ...(keptMemory === undefined ? {} : { memory: keptMemory }),
    };
  };
  return {
    requests: quantitiesOf(target.requests, current.requests),
    limits: quantitiesOf(target.limits, current.limits),
  };
}

export function sameResources(a: ContainerResources, b: ContainerResources): boolean {
  return (
    a.requests.cpu === b.requests.cpu &&
    a.requests.memory === b.requests.memory &&
    a.limits.cpu === b.limits.cpu &&
    a.limits.memory === b.limits.memory
  );
}

/**
 * The `resources` of a strategic merge patch from `from` to `to`: every quantity of `to`, and null
 * (delete) for a quantity `from` has and `to` does not. Other resources (ephemeral-storage, GPUs)
 * are left alone.
 */
export function resourcesPatch(from: ContainerResources, to: ContainerResources) {
  const patchOf = (before: Quantities, after: Quantities) => {
    const patch: Record<string, string | null> = {};
    for (const name of ['cpu', 'memory'] as const) {
      const value = after[name];
      if (value !== undefined) patch[name] = value;
      else if (before[name] !== undefined) patch[name] = null;
    }
    return patch;
  };
  const requests = patchOf(from.requests, to.requests);
  const limits = patchOf(from.limits, to.limits);
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

/** `cpu 500m -> 250m, memory 1Gi -> 768Mi (requests); memory 2Gi -> 1536Mi (limits)`. */
export function describeResourceChange(from: ContainerResources, to: ContainerResources): string {
  const part = (what: 'requests' | 'limits') => {
    const changes = (['cpu', 'memory'] as const)
      .filter((name) => from[what][name] !== to[what][name])
      .map((name) => `${name} ${from[what][name] ?? 'none'} -> ${to[what][name] ?? 'none'}`);
    return changes.length > 0 ? `${changes.join(', ')} (${what})` : undefined;
  };
  return [part('requests'), part('limits')].filter(Boolean).join('; ') || 'no change';
}
