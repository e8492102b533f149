import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { InvalidInputError } from '../../../commons/errors.ts';
import { containerResourcesOf, toResources } from '../apply/container-resources.ts';
import type { Resources } from '../recommendation.ts';

/**
 * A container's requests and limits as numbers (cores, bytes), read the way the apply step reads
 * them. A quantity that does not parse is an InvalidInputError naming the container, so that the
 * workload is skipped with that reason instead of failing the whole run.
 */
export function resourcesOf(
  resources: Pick<V1ResourceRequirements, 'requests' | 'limits'> | undefined,
  where: string,
): Resources {
  try {
    return toResources(containerResourcesOf(resources ?? {}));
  } catch (error) {
    throw new InvalidInputError(`${where}: ${(error as Error).message}`, { where }, { cause: error });
  }
}
