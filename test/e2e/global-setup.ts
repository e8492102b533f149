import {
  ALERTMANAGER,
  ensureSystemBinaries,
  PROMETHEUS,
  PROMTOOL,
} from '../../local/system/debian-packages.ts';

/** e2e tests run the real Prometheus and Alertmanager: make sure they are installed (DESIGN.md rule 5). */
export default function setup(): void {
  ensureSystemBinaries([PROMETHEUS, ALERTMANAGER, PROMTOOL]);
}
