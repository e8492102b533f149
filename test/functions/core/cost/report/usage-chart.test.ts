import parser from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  CHART_LAYOUT,
  type ChartRow,
  escapeXml,
  GIB,
  niceAxisMax,
  usageChartSvg,
  xOf,
} from '../../../../../functions/core/cost/report/usage-chart.ts';

const ROWS: ChartRow[] = [
  {
    label: 'prefect/prefect-worker/worker',
    status: 'KEPT',
    cpu: { requestBefore: 2, requestAfter: 1.4, usage: { low: 0.5, p99: 0.9, high: 1.1 } },
    memory: {
      requestBefore: 4 * GIB,
      requestAfter: 3 * GIB,
      usage: { low: 2 * GIB, p99: 2 * GIB, high: 2.5 * GIB },
    },
  },
  {
    label: 'minio/<minio>&"co"/minio',
    status: 'ROLLED_BACK',
    cpu: { requestBefore: 1, usage: { low: 0.2, p99: 0.3, high: 0.4 } },
    memory: { usage: { low: 1 * GIB, p99: 1 * GIB, high: 1.5 * GIB } },
  },
];

type Element = Record<string, unknown>;

function parseSvg(svg: string): { svg: Element } {
  return parser.parse(svg, {
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
  }) as {
    svg: Element;
  };
}

function rects(svg: string, kind: string): Element[] {
  const all = parseSvg(svg).svg.rect as Element[];
  return all.filter((rect) => rect.class === kind);
}

describe('usageChartSvg', () => {
  const svg = usageChartSvg('Right-sizing <production>', ROWS);

  it('is well-formed XML whose root is an SVG of the layout size', () => {
    expect(parser.validate(svg)).toBe(true);
    const root = parseSvg(svg).svg;
    expect(root).toMatchObject({
      xmlns: 'http://www.w3.org/2000/svg',
      width: String(CHART_LAYOUT.width),
      height: String(CHART_LAYOUT.headerHeight + 2 * CHART_LAYOUT.rowHeight + CHART_LAYOUT.footerHeight),
    });
  });

  it('draws each request bar to scale, on an axis that rounds up the largest value', () => {
    // CPU axis: the largest value is 2 cores -> 2; memory: 4 GiB -> 5.
    const cpuX = CHART_LAYOUT.labelWidth;
    const before = rects(svg, 'request-before');
    const after = rects(svg, 'request-after');
    expect(before).toHaveLength(3);
    expect(after).toHaveLength(2);
    const width = (value: number, axis: number, x: number) =>
      String(Math.round((xOf(x, axis, value) - x) * 100) / 100);
    expect(before[0]).toMatchObject({ x: String(cpuX), width: width(2, 2, cpuX) });
    expect(after[0]).toMatchObject({ width: width(1.4, 2, cpuX) });
    const memoryX = Number(before[1]?.x);
    expect(memoryX).toBeGreaterThan(cpuX);
    expect(before[1]).toMatchObject({ width: width(4, 5, memoryX) });
    expect(after[1]).toMatchObject({ width: width(3, 5, memoryX) });
    expect(before[2]).toMatchObject({ width: width(1, 2, cpuX) });
  });

  it('says each exact value in a title, and draws the usage range with its p99 dot', () => {
    expect(svg).toContain('<title>prefect/prefect-worker/worker CPU request before: 2 cores</title>');
    expect(svg).toContain('<title>prefect/prefect-worker/worker memory request after: 3 GiB</title>');
    expect(svg).toContain(
      '<title>prefect/prefect-worker/worker CPU usage: 0.5 cores to 1.1 cores, p99 0.9 cores</title>',
    );
    const groups = parseSvg(svg).svg.g as Element[];
    expect(groups).toHaveLength(4);
    expect((groups[0]?.circle as Element | undefined)?.cx).toBe(
      String(Math.round(xOf(CHART_LAYOUT.labelWidth, 2, 0.9) * 100) / 100),
    );
  });

  it('escapes every text that comes from the cluster', () => {
    expect(svg).toContain('minio/&lt;minio&gt;&amp;&quot;co&quot;/minio');
    expect(svg).not.toContain('<minio>');
    expect(svg).toContain('aria-label="Right-sizing &lt;production&gt;"');
  });

  it('says so when there is nothing to draw, and stays well-formed', () => {
    const empty = usageChartSvg('Nothing', []);
    expect(parser.validate(empty)).toBe(true);
    expect(empty).toContain('No workload to show');
  });
});

describe('niceAxisMax', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.2, 2.2, 4, 7, 12, 0].map(niceAxisMax)).toEqual([1, 1, 2, 2.5, 5, 10, 20, 1]);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">Tom's & Jerry</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom&apos;s &amp; Jerry&lt;/a&gt;',
    );
  });
});
