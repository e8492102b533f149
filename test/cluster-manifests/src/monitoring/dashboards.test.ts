import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import { DASHBOARD_METRICS } from '../../../../cluster-manifests/src/monitoring/dashboards.ts';
import { ENVIRONMENT_NAMES } from '../../../../infra/config/environment-config.ts';
import { committedDocuments } from '../../support/committed-manifests.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; w: number };
  datasource?: { uid: string };
  targets?: { datasource: { uid: string }; metricName?: string; expression?: string; expr?: string }[];
}

function data(environment: string, name: string): Record<string, string> {
  const map = committedDocuments(environment).find(
    (document) => document.kind === 'ConfigMap' && document.metadata.name === name,
  ) as Manifest & { data: Record<string, string> };
  return map.data;
}

describe('dashboards', () => {
  it.each(ENVIRONMENT_NAMES)(
    'queries only provisioned data sources and covers every lakehouse-ops figure in %s',
    (environment) => {
      const provisioned = parse(
        data(environment, 'grafana-datasources')['datasources.yaml']!,
      ).datasources.map((source: { uid: string }) => source.uid);
      const dashboard = JSON.parse(
        data(environment, 'grafana-dashboards-lakehouse-ops')['lakehouse-ops.json']!,
      );
      const panels = dashboard.panels as Panel[];
      const graphs = panels.filter((panel) => panel.type === 'timeseries');

      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      for (const panel of graphs) {
        expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) expect(provisioned).toContain(target.datasource.uid);
      }
      const metrics = graphs.flatMap((panel) => (panel.targets ?? []).map((target) => target.metricName));
      expect(metrics).toEqual(expect.arrayContaining(Object.values(DASHBOARD_METRICS)));
      const expressions = graphs.flatMap((panel) =>
        (panel.targets ?? []).map((target) => target.expression ?? ''),
      );
      expect(expressions.join('\n')).toContain(`"lakehouse-ops-${environment}-"`);
      expect(graphs.map((panel) => panel.title)).toEqual(
        expect.arrayContaining([
          'Executions succeeded',
          'Backup lag (achieved RPO)',
          'Remediation actions',
          'Cost savings',
        ]),
      );
    },
  );
});
