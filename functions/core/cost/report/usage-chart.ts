import { escapeXml } from '../../../commons/xml-text.ts';

export { escapeXml };

/**
 * The report's chart: usage against requests per workload container, as a hand-written SVG (no
 * dependency, opens in any browser and in the S3 console's preview). Two panels, CPU in cores and
 * memory in GiB, one row per container, each on its own linear scale from zero:
 *
 *   - a grey bar: the request before this run;
 *   - a blue bar below it: the request after this run (applied, or what the dry run / GitOps patch
 *     would set), when there is one;
 *   - a dark line: the usage range (CPU p95 to max, memory p99 to peak) with a dot at p99.
 *
 * Every shape carries a <title> with its exact value (a tooltip, and what a screen reader says);
 * every text is escaped.
 */
export interface UsageRange {
  readonly low: number;
  readonly p99: number;
  readonly high: number;
}

export interface ChartSeries {
  readonly requestBefore?: number;
  readonly requestAfter?: number;
  readonly usage: UsageRange;
}

export interface ChartRow {
  /** `namespace/name/container`. */
  readonly label: string;
  /** What happened to it (`KEPT`, `ROLLED_BACK`, ...), shown after the label. */
  readonly status: string;
  readonly cpu: ChartSeries;
  /** In bytes; drawn in GiB. */
  readonly memory: ChartSeries;
}

export const CHART_LAYOUT = {
  width: 1000,
  labelWidth: 300,
  panelGap: 40,
  rightMargin: 20,
  headerHeight: 70,
  rowHeight: 30,
  footerHeight: 30,
} as const;

const PANEL_WIDTH =
  (CHART_LAYOUT.width - CHART_LAYOUT.labelWidth - CHART_LAYOUT.panelGap - CHART_LAYOUT.rightMargin) / 2;

export const GIB = 2 ** 30;

const COLOURS = { before: '#b0b7c3', after: '#2f6fdf', usage: '#1d2433', grid: '#e3e6eb' } as const;

/** Two decimals at most, no trailing zeros: coordinates stay short and exact enough. */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A round top of the axis (1, 2, 2.5 or 5 times a power of ten) at or above `max`. */
export function niceAxisMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= max - 1e-12) ?? 10;
  return step * power;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly x: number;
  readonly axisMax: number;
  readonly scale: number;
  readonly pick: (row: ChartRow) => ChartSeries;
}

function seriesMax(series: ChartSeries, scale: number): number {
  return Math.max(series.requestBefore ?? 0, series.requestAfter ?? 0, series.usage.high) / scale;
}

function panel(rows: readonly ChartRow[], index: number, which: 'cpu' | 'memory'): Panel {
  const scale = which === 'cpu' ? 1 : GIB;
  const pick = (row: ChartRow) => row[which];
  const max = Math.max(0, ...rows.map((row) => seriesMax(pick(row), scale)));
  return {
    title: which === 'cpu' ? 'CPU (cores)' : 'Memory (GiB)',
    unit: which === 'cpu' ? 'cores' : 'GiB',
    x: CHART_LAYOUT.labelWidth + index * (PANEL_WIDTH + CHART_LAYOUT.panelGap),
    axisMax: niceAxisMax(max),
    scale,
    pick,
  };
}

/** The x of `value` (in the panel's unit) on the panel. */
export function xOf(panelX: number, axisMax: number, value: number): number {
  return panelX + (Math.max(0, value) / axisMax) * PANEL_WIDTH;
}

function formatValue(value: number, unit: string): string {
  return `${value < 10 ? Number(value.toPrecision(3)) : Math.round(value * 10) / 10} ${unit}`;
}

function rect(
  x: number,
  y: number,
  width: number,
  height: number,
  fill: string,
  title: string,
  kind: string,
) {
  return `<rect class="${kind}" x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, width))}" height="${n(height)}" fill="${fill}"><title>${escapeXml(title)}</title></rect>`;
}

function panelFrame(p: Panel, height: number): string[] {
  const top = CHART_LAYOUT.headerHeight;
  const parts = [`<text x="${n(p.x)}" y="${top - 28}" font-weight="600">${escapeXml(p.title)}</text>`];
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const x = p.x + fraction * PANEL_WIDTH;
    parts.push(
      `<line x1="${n(x)}" y1="${top - 10}" x2="${n(x)}" y2="${n(top + height)}" stroke="${COLOURS.grid}"/>`,
      `<text x="${n(x)}" y="${top - 12}" font-size="10" text-anchor="middle">${escapeXml(String(Number((fraction * p.axisMax).toPrecision(3))))}</text>`,
    );
  }
  return parts;
}

function rowShapes(p: Panel, row: ChartRow, y: number): string[] {
  const series = p.pick(row);
  const value = (amount: number) => amount / p.scale;
  const x0 = p.x;
  const parts: string[] = [];
  const what = `${row.label} ${p.unit === 'cores' ? 'CPU' : 'memory'}`;
  const bars = [
    ['before', series.requestBefore, 4, COLOURS.before],
    ['after', series.requestAfter, 15, COLOURS.after],
  ] as const;
  for (const [when, amount, offset, colour] of bars) {
    if (amount === undefined) continue;
    const request = value(amount);
    const title = `${what} request ${when}: ${formatValue(request, p.unit)}`;
    parts.push(rect(x0, y + offset, xOf(x0, p.axisMax, request) - x0, 9, colour, title, `request-${when}`));
  }
  const { low, p99, high } = series.usage;
  const [lowX, p99X, highX] = [low, p99, high].map((amount) => xOf(x0, p.axisMax, value(amount))) as [
    number,
    number,
    number,
  ];
  const usageTitle = `${what} usage: ${formatValue(value(low), p.unit)} to ${formatValue(value(high), p.unit)}, p99 ${formatValue(value(p99), p.unit)}`;
  parts.push(
    `<g class="usage"><title>${escapeXml(usageTitle)}</title>` +
      `<line x1="${n(lowX)}" y1="${y + 14}" x2="${n(highX)}" y2="${y + 14}" stroke="${COLOURS.usage}" stroke-width="2"/>` +
      `<circle cx="${n(p99X)}" cy="${y + 14}" r="3.5" fill="${COLOURS.usage}"/></g>`,
  );
  return parts;
}

function legend(): string {
  const y = 18;
  const items: [string, string][] = [
    [COLOURS.before, 'request before'],
    [COLOURS.after, 'request after'],
    [COLOURS.usage, 'usage range (dot: p99)'],
  ];
  return items
    .map(([colour, text], index) => {
      const x = CHART_LAYOUT.labelWidth + index * 190;
      return `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${colour}"/><text x="${x + 20}" y="${y}">${escapeXml(text)}</text>`;
    })
    .join('');
}

export function usageChartSvg(title: string, rows: readonly ChartRow[]): string {
  const { width, headerHeight, rowHeight, footerHeight } = CHART_LAYOUT;
  const bodyHeight = Math.max(1, rows.length) * rowHeight;
  const height = headerHeight + bodyHeight + footerHeight;
  const panels = [panel(rows, 0, 'cpu'), panel(rows, 1, 'memory')];
  const body = rows.flatMap((row, index) => {
    const y = headerHeight + index * rowHeight;
    return [
      `<text x="8" y="${y + 18}"><title>${escapeXml(`${row.label} (${row.status})`)}</title>${escapeXml(truncate(row.label, 34))} <tspan fill="#5b6472" font-size="10">${escapeXml(row.status)}</tspan></text>`,
      ...panels.flatMap((p) => rowShapes(p, row, y)),
    ];
  });
  const empty =
    rows.length === 0
      ? [`<text x="8" y="${headerHeight + 18}">No workload to show: no recommendation in this run.</text>`]
      : [];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-weight="600">${escapeXml(truncate(title, 40))}</text>`,
    legend(),
    ...panels.flatMap((p) => panelFrame(p, bodyHeight)),
    ...body,
    ...empty,
    `</svg>`,
    '',
  ].join('\n');
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
