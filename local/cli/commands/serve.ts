import { type LocalLakehouse, startLocalLakehouse } from '../../lakehouse/index.ts';
import { missingMonitoringBinaries } from '../../lakehouse/monitoring.ts';
import { type RemediationLoop, startLakehouseRemediationLoop } from '../../lakehouse/remediation-loop.ts';
import { describeAlertEvent, summarizeRemediation } from '../../lakehouse/remediation-outcome.ts';
import { stopOnSignal } from '../../lakehouse/stop-on-signal.ts';
import { loadWorkflows } from '../../runner/workflows.ts';
import { installCommand } from '../../system/debian-packages.ts';
import { type CliIo, writeLines } from '../cli-io.ts';
import { formatDuration, type Style, styleFor } from '../style.ts';
import { EXIT } from '../usage-error.ts';

/**
 * `lakehouse-ops serve`: the local lakehouse kept running with its alert webhook on 127.0.0.1, so
 * that a real Alertmanager can deliver to it, and the remediate workflow started for each new
 * alert as the stack's EventBridge rules start it in AWS. With Prometheus and Alertmanager
 * installed it runs them too (the platform's rules scraping kube-sim); otherwise it prints what
 * an Alertmanager of one's own needs. Each remediation's outcome is printed as it ends. Ctrl-C
 * (or `signal`, for tests) stops everything.
 */
export interface ServeCommandOptions {
  /** The CDK environment whose stack (routes, tiers, windows) the workflows are built from. */
  readonly environment: string;
  /** Stops the server like Ctrl-C does, but returns instead of exiting the process. */
  readonly signal?: AbortSignal;
}

export async function serveCommand(options: ServeCommandOptions, io: CliIo): Promise<number> {
  const style = styleFor(io.stdout);
  const lakehouse = await startLocalLakehouse({ monitoring: true });
  let loop: RemediationLoop | undefined;
  const stopEverything = {
    stop: async () => {
      // Running remediations end when their backends go; nothing waits for them on Ctrl-C.
      loop?.stop();
      await lakehouse.stop();
    },
  };
  const forgetSignals = stopOnSignal(stopEverything);
  try {
    const workflows = await loadWorkflows({
      environment: options.environment,
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
      lambdaService: lakehouse.awsSim.lambda,
    });
    loop = startLakehouseRemediationLoop(lakehouse, workflows, {
      onReceived: (event) => writeLines(io.stdout, [`${timestamp()} received ${describeAlertEvent(event)}`]),
      onSettled: (remediation) => {
        const alert = describeAlertEvent(remediation.event);
        if (remediation.error) {
          writeLines(io.stdout, [
            `${timestamp()} ${style.bad('ERROR')} ${alert}: ${remediation.error.message}`,
          ]);
        }
        for (const execution of remediation.executions) {
          const { status, detail } = summarizeRemediation(execution);
          writeLines(io.stdout, [
            `${timestamp()} ${colour(style, status)} ${alert}: ${detail} (${execution.workflow}, ${formatDuration(execution.durationMs)})`,
          ]);
        }
      },
    });
    writeLines(io.stdout, banner(lakehouse, options.environment, style));
    await aborted(options.signal);
    return EXIT.ok;
  } finally {
    forgetSignals();
    await stopEverything.stop();
  }
}

function banner(lakehouse: LocalLakehouse, environment: string, style: Style): string[] {
  const { url, token } = lakehouse.alertWebhook;
  const lines = [
    style.bold(`lakehouse-ops serve: the local lakehouse (${environment} stack) is running`),
    `  alert webhook:  ${url}`,
    `  bearer token:   ${token}`,
    `  approvals:      ${lakehouse.approvalUrl}`,
    `  Kubernetes API: ${lakehouse.kube.url}`,
  ];
  if (lakehouse.monitoring) {
    lines.push(
      `  Prometheus:     ${lakehouse.monitoring.prometheusUrl} (scrapes kube-sim as kube-state-metrics, the platform's rules at fast timing)`,
      `  Alertmanager:   ${lakehouse.monitoring.alertmanagerUrl} (delivers to the webhook above)`,
    );
  } else {
    const missing = missingMonitoringBinaries();
    lines.push(
      style.warn(
        `  Prometheus and Alertmanager are not running: ${missing.map((binary) => binary.command).join(', ')} missing (${installCommand(missing)})`,
      ),
      '  Point an Alertmanager of your own at the webhook with this receiver:',
      '    webhook_configs:',
      `      - url: ${url}`,
      '        send_resolved: true',
      '        http_config:',
      `          authorization: { type: Bearer, credentials: ${token} }`,
    );
  }
  lines.push('Each remediation is printed as it ends. Ctrl-C stops everything.');
  return lines;
}

function colour(style: Style, status: ReturnType<typeof summarizeRemediation>['status']): string {
  if (status === 'REMEDIATED' || status === 'RESOLVED') return style.ok(status);
  if (status === 'NOTIFIED') return style.dim(status);
  return style.bad(status);
}

function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

/** Resolves when `signal` aborts; never without one (Ctrl-C ends the process instead). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
