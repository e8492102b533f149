import type { V1Container } from '@kubernetes/client-node';
import type { CheckResult } from './check-result.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';

/**
 * Transfer Jobs are created from a suspended CronJob's template, running as a dedicated
 * ServiceAccount. The template must stay suspended (it must never fire on its own schedule) and
 * its images must be pinned, so a backup never runs an image nobody reviewed.
 */
export function checkS5cmdExecutor({ reader, layout }: KubernetesCheckDependencies): Promise<CheckResult> {
  const { namespace, serviceAccount, jobTemplateCronJob } = layout.s5cmd;
  return runCheck('s5cmd-executor', async () => {
    const [account, cronJob] = await Promise.all([
      reader.readServiceAccount(namespace, serviceAccount),
      reader.readCronJob(namespace, jobTemplateCronJob),
    ]);
    const problems: string[] = [];
    if (!account) problems.push(`ServiceAccount ${namespace}/${serviceAccount} not found`);

    const podSpec = cronJob?.spec?.jobTemplate.spec?.template.spec;
    const containers: V1Container[] = [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
    if (!cronJob) {
      problems.push(`CronJob ${namespace}/${jobTemplateCronJob} (the Job template) not found`);
    } else {
      if (cronJob.spec?.suspend !== true) {
        problems.push(
          `CronJob ${namespace}/${jobTemplateCronJob} is not suspended; as a template it must never run`,
        );
      }
      if (containers.length === 0)
        problems.push(`CronJob ${namespace}/${jobTemplateCronJob} has no containers`);
      for (const container of containers) {
        const problem = imagePinProblem(container.image);
        if (problem) problems.push(`container ${container.name}: ${problem}`);
      }
    }

    return verdictFrom(problems, `s5cmd executor template ready with pinned images`, {
      serviceAccount: { name: serviceAccount, found: account !== undefined },
      cronJob: cronJob
        ? {
            name: jobTemplateCronJob,
            suspended: cronJob.spec?.suspend === true,
            serviceAccountName: podSpec?.serviceAccountName,
            images: containers.map((container) => container.image),
          }
        : { name: jobTemplateCronJob, found: false },
    });
  });
}

/** Why an image reference is not pinned (no tag or digest, or `latest`), or undefined when it is. */
export function imagePinProblem(image: string | undefined): string | undefined {
  if (!image) return 'no image set';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  // A colon after the last slash starts the tag; one before it belongs to a registry port.
  const lastSlash = image.lastIndexOf('/');
  const tagStart = image.lastIndexOf(':');
  if (tagStart <= lastSlash) return `image ${image} has no tag or digest, so it means "latest"`;
  if (image.slice(tagStart + 1) === 'latest') return `image ${image} uses the mutable tag "latest"`;
  return undefined;
}
