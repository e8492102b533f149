import {
  type DrImageRegistry,
  drImageReference,
} from '../../functions/core/dr/failover/gates/image-references.ts';
import type { Manifest } from './manifest.ts';
import { podTemplateOf } from './policy.ts';

export type { DrImageRegistry };

/**
 * The document with every container image (init containers too) pulled from the DR region's
 * registry through its pull-through cache rules, with the images gate's own mapping: on the day
 * of a regional outage the DR cluster must not depend on an upstream registry, and the gate must
 * have checked exactly these references. A copy: the primary's objects stay as they are.
 */
export function pulledFrom(document: Manifest, registry: DrImageRegistry): Manifest {
  const template = podTemplateOf(document)?.template;
  if (!template?.spec) return document;
  const copy = structuredClone(document);
  const pod = podTemplateOf(copy)?.template.spec;
  for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
    if (container.image) container.image = drImageReference(container.image, registry);
  }
  return copy;
}
