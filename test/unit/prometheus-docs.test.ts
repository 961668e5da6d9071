import { readFileSync } from 'node:fs';
import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricStateGaugeName } from '../../src/observability/metric-state-gauge';
import { createPrometheusMetrics, prometheusPrefix } from '../../src/observability/prometheus';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const registered = [
  ...createPrometheusMetrics()
    .registry.getMetricsAsArray()
    .map((metric) => ({ name: metric.name, histogram: metric instanceof Histogram }))
    .filter(({ name }) => name.startsWith(prometheusPrefix)),
  { name: metricStateGaugeName, histogram: false },
];
/** What a query may name: each series, and a histogram's bucket, count and sum. */
const queryable = new Set(registered.flatMap(({ name, histogram }) => (histogram ? [name, `${name}_bucket`, `${name}_count`, `${name}_sum`] : [name])));
const namedIn = (text: string) => new Set(text.match(new RegExp(`${prometheusPrefix}[a-z_]+`, 'g')));

describe('the documented metrics, dashboard and alerts', () => {
  const operations = read('docs/operations.md');
  const dashboard = JSON.parse(read('deploy/grafana/metric-importer-dashboard.json')) as { panels: { targets?: { expr: string }[] }[] };
  const alerts = read('deploy/prometheus/alerts.yml');

  it('lists every series the code registers in docs/operations.md', () => {
    expect(registered.length).toBeGreaterThan(8);
    for (const { name } of registered) expect(operations, name).toContain(`| \`${name}\` |`);
  });

  it('name only series the code registers', () => {
    const queries = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
    expect(queries.length).toBeGreaterThan(10);
    for (const [source, text] of [['docs/operations.md', operations], ['dashboard', queries.join('\n')], ['alerts.yml', alerts]] as const) {
      for (const name of namedIn(text)) expect(queryable.has(name), `${source} names ${name}`).toBe(true);
    }
  });

  it('explain both alerts in docs/operations.md', () => {
    const names = [...alerts.matchAll(/- alert: (\w+)/g)].map((match) => match[1]);
    expect(names).toEqual(['MetricImporterMetricsNeedAttention', 'MetricImporterImportsFailing']);
    for (const name of names) expect(operations).toContain(`**\`${name}\`**`);
  });
});
