import type { z } from '@hono/zod-openapi';
import type { ImportRunSchema, IntegrationSchema, MetricDetailSchema, MetricListItemSchema, MetricSchema } from '../../api/schemas';
import { metricStates } from '../../db/schema';
import { formatInstant, stateLabels } from '../format';
import { Field, Layout, type AssetUrls } from '../layout';

type Integration = z.infer<typeof IntegrationSchema>;
type Metric = z.infer<typeof MetricSchema>;
type MetricDetail = z.infer<typeof MetricDetailSchema>;
type MetricListItem = z.infer<typeof MetricListItemSchema>;
type ImportRun = z.infer<typeof ImportRunSchema>;

interface PageBase {
  assets: AssetUrls;
  csrfToken: string;
}

function StateBadge(props: { state: string }) {
  return <span class={`badge state-${props.state}`} data-state-badge>{stateLabels[props.state] ?? props.state}</span>;
}

export function MetricsPage(props: PageBase & { metrics: MetricListItem[]; integrations: Integration[]; state?: string; integrationId?: string }) {
  const integrationName = new Map(props.integrations.map((i) => [i.id, i.name]));
  return (
    <Layout title="Metrics" assets={props.assets} csrfToken={props.csrfToken} current="/console/metrics">
      <form method="get" action="/console/metrics" class="filters">
        <label for="state">State</label>
        <select id="state" name="state">
          <option value="">All</option>
          {metricStates.map((state) => (
            <option value={state} selected={props.state === state}>{stateLabels[state]}</option>
          ))}
        </select>
        <label for="integrationId">Integration</label>
        <select id="integrationId" name="integrationId">
          <option value="">All</option>
          {props.integrations.map((i) => (
            <option value={i.id} selected={props.integrationId === i.id}>{i.name}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
        <a class="button primary" href="/console/metrics/new">New metric</a>
      </form>
      {props.metrics.length === 0 ? (
        <p class="empty">{props.state || props.integrationId ? 'No metric matches this filter.' : 'No metrics yet. Create one from a Look.'}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Integration</th>
                <th scope="col" class="num">Last value</th>
                <th scope="col">Last import</th>
                <th scope="col">Next import</th>
              </tr>
            </thead>
            <tbody>
              {props.metrics.map((metric) => (
                <tr>
                  <td><a href={`/console/metrics/${metric.id}`} data-metric-link>{metric.name}</a></td>
                  <td><StateBadge state={metric.state} /></td>
                  <td>{integrationName.get(metric.integrationId) ?? metric.integrationId}</td>
                  <td class="num nowrap" data-last-value>
                    {metric.latestDatapoint ? (
                      <>
                        {metric.latestDatapoint.value} <span class="muted">on {metric.latestDatapoint.date}</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{formatInstant(metric.lastImportAt, metric.timeZone)}</td>
                  <td>{formatInstant(metric.nextImportAt, metric.timeZone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/**
 * Integration → Look → fields → preview → schedule → save; the island drives the API calls.
 * With `metric` it edits that metric's source and schedule (the integration stays).
 */
export function MetricSourcePage(props: PageBase & { integrations: Integration[]; metric?: Metric }) {
  const { metric } = props;
  return (
    <Layout
      title={metric ? `Edit source of ${metric.name}` : 'New metric'}
      assets={props.assets}
      csrfToken={props.csrfToken}
      current={metric ? undefined : '/console/metrics/new'}
    >
      {props.integrations.length === 0 ? (
        <p class="empty">
          No integration yet: <a href="/console/integrations/new">add your Looker instance</a> first.
        </p>
      ) : (
        <form
          class="card"
          data-island="metric-source"
          data-metric-id={metric?.id ?? ''}
          data-look-id={metric?.lookId ?? ''}
          data-date-field={metric?.dateField ?? ''}
          data-value-field={metric?.valueField ?? ''}
          data-time-zone={metric?.timeZone ?? ''}
          novalidate
        >
          <Field name="integrationId" label="Integration" hint={metric ? 'A metric keeps its integration; create a new metric to use another.' : undefined}>
            <select id="integrationId" name="integrationId" disabled={metric !== undefined} aria-describedby="integrationId-error">
              {props.integrations.map((i) => (
                <option value={i.id} selected={metric?.integrationId === i.id}>{i.name}</option>
              ))}
            </select>
          </Field>
          <fieldset>
            <legend>Look</legend>
            <div class="search-row">
              <label for="lookSearch">Search Looks by title</label>
              <input id="lookSearch" type="search" />
              <button type="button" data-action="search">Search</button>
            </div>
            <p class="muted" data-looks-status role="status" aria-live="polite"></p>
            <ul class="looks" data-looks></ul>
            <button type="button" data-action="more-looks" hidden>Show more Looks</button>
            <p class="field-error" data-error-for="lookId" aria-live="polite"></p>
          </fieldset>
          <Field name="dateField" label="Date field">
            <select id="dateField" name="dateField" disabled aria-describedby="dateField-error"><option value="">Choose a Look first</option></select>
          </Field>
          <Field name="valueField" label="Value field">
            <select id="valueField" name="valueField" disabled aria-describedby="valueField-error"><option value="">Choose a Look first</option></select>
          </Field>
          <div class="buttons">
            <button type="button" data-action="preview">Preview import</button>
          </div>
          <div class="preview" data-preview role="status" aria-live="polite"></div>
          <Field name="name" label="Metric name">
            <input id="name" name="name" required maxlength={200} value={metric?.name ?? ''} aria-describedby="name-error" />
          </Field>
          <Field name="importTime" label="Daily import time" hint="Local time in the zone below.">
            <input id="importTime" name="importTime" type="time" value={metric?.importTime ?? '06:00'} required aria-describedby="importTime-hint importTime-error" />
          </Field>
          <Field name="timeZone" label="Time zone" hint="IANA name; type to search. A new metric starts with this browser's zone.">
            <input id="timeZone" name="timeZone" list="timeZones" value={metric?.timeZone ?? 'UTC'} required autocomplete="off" aria-describedby="timeZone-hint timeZone-error" />
            <datalist id="timeZones"></datalist>
          </Field>
          {metric && <p class="muted">Changing the Look or a field re-imports the whole history with the new source.</p>}
          <p class="error" data-form-error role="alert"></p>
          <div class="buttons">
            <button type="submit" class="primary">{metric ? 'Save changes' : 'Save and import history'}</button>
            {metric && <a href={`/console/metrics/${metric.id}`}>Cancel</a>}
          </div>
        </form>
      )}
    </Layout>
  );
}

function runCounts(run: ImportRun): string {
  const c = run.counts;
  if (run.status === 'running') return 'running…';
  return `${c.rowsRead ?? 0} read, ${c.inserted ?? 0} new, ${c.updated ?? 0} changed, ${c.unchanged ?? 0} unchanged`;
}

export function MetricPage(props: PageBase & { metric: MetricDetail; integration?: Integration; runs: ImportRun[] }) {
  const { metric } = props;
  const busy = metric.state === 'backfilling' || metric.importing === true;
  // Without TEMPORAL_UI_URL the API links nowhere, and the column goes too.
  const linkRuns = props.runs.some((run) => run.temporalUiUrl !== null);
  return (
    <Layout title={metric.name} assets={props.assets} csrfToken={props.csrfToken} chart>
      <section class="card" data-island="metric" data-metric-id={metric.id} data-busy={busy ? 'true' : 'false'} data-state={metric.state}>
        <p>
          <StateBadge state={metric.state} />
          {metric.importing && <span class="badge"> importing now</span>}
          {metric.temporal !== 'live' && <span class="muted"> (workflow status: {metric.temporal})</span>}
        </p>
        {metric.lastError && (
          <p class="error" data-reason>
            {metric.state === 'needs_attention' ? 'Needs attention: ' : 'Last error: '}
            {metric.lastError}
          </p>
        )}
        <dl class="facts">
          <dt>Source</dt>
          <dd>
            {props.integration?.name ?? metric.integrationId}, Look {metric.lookId}: date <code>{metric.dateField}</code>, value <code>{metric.valueField}</code>
          </dd>
          <dt>Daily import</dt>
          <dd>{metric.importTime} ({metric.timeZone})</dd>
          <dt>Next import</dt>
          <dd>
            {formatInstant(metric.nextImportAt, metric.timeZone)}
            {metric.nextImportAt && <span class="muted" data-local-time={metric.nextImportAt}></span>}
          </dd>
          <dt>Last import</dt>
          <dd>{formatInstant(metric.lastImportAt, metric.timeZone)}</dd>
          {metric.temporalUiUrl && (
            <>
              <dt>Workflow</dt>
              <dd><a href={metric.temporalUiUrl}>Open in the Temporal UI</a></dd>
            </>
          )}
        </dl>
        <div class="buttons">
          {metric.state === 'paused' ? (
            <button type="button" data-action="resume">Resume</button>
          ) : (
            <button type="button" data-action="pause">Pause</button>
          )}
          <button type="button" data-action="import-now">Import now</button>
          <a class="button" href={`/console/metrics/${metric.id}/edit`}>Edit source and schedule</a>
          <a class="button" href={`/v1/metrics/${metric.id}/datapoints?format=csv`} download>Download CSV</a>
          <button type="button" class="danger" data-action="delete">Delete…</button>
        </div>
        <p class="error" data-form-error role="alert"></p>
      </section>
      <section class="card">
        <h2>Datapoints</h2>
        <p class="muted" id="chart-help">
          Drag across the chart to zoom, shift-drag to pan, double-click to see everything; hover to read a value. With the chart focused: ← and → pan, + and − zoom, 0 resets.
        </p>
        <div
          id="chart"
          class="chart"
          data-chart
          tabindex={0}
          role="group"
          aria-label="Chart of the metric's datapoints"
          aria-describedby="chart-help chart-range"
        ></div>
        <div class="buttons" role="group" aria-label="Chart range" data-chart-controls hidden>
          <button type="button" data-chart-action="pan-earlier" aria-controls="chart">← Earlier</button>
          <button type="button" data-chart-action="pan-later" aria-controls="chart">Later →</button>
          <button type="button" data-chart-action="zoom-in" aria-controls="chart">Zoom in</button>
          <button type="button" data-chart-action="zoom-out" aria-controls="chart">Zoom out</button>
          <button type="button" data-chart-action="zoom-reset" aria-controls="chart">Show everything</button>
          <span class="muted" id="chart-range" data-chart-range aria-live="polite"></span>
        </div>
        <p class="muted" data-chart-status role="status" aria-live="polite">Loading datapoints…</p>
        <h3>Latest values</h3>
        <table class="compact" data-latest><tbody></tbody></table>
      </section>
      <section class="card">
        <h2>Import history</h2>
        {props.runs.length === 0 ? (
          <p class="empty">No import has run yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Scheduled for</th>
                  <th scope="col">Result</th>
                  <th scope="col">Skipped</th>
                  <th scope="col">Dates</th>
                  <th scope="col">Warnings and errors</th>
                  {linkRuns && <th scope="col">Temporal run</th>}
                </tr>
              </thead>
              <tbody>
                {props.runs.map((run) => (
                  <tr>
                    <td>{run.kind}</td>
                    <td>{formatInstant(run.scheduledFor, metric.timeZone)}</td>
                    <td>{run.status === 'failed' ? 'failed' : runCounts(run)}</td>
                    <td>
                      {run.counts.skipped ?? 0}
                      {(run.counts.skipped ?? 0) > 0 && run.skipReasons && (
                        <span class="muted">
                          {' '}
                          ({Object.entries(run.skipReasons).filter(([, n]) => n > 0).map(([reason, n]) => `${reason.replaceAll('_', ' ')}: ${n}`).join(', ')})
                        </span>
                      )}
                    </td>
                    <td>{run.firstDate ? `${run.firstDate} – ${run.lastDate}` : '—'}</td>
                    <td>{[...run.warnings, ...(run.error ? [run.error] : [])].join('; ')}</td>
                    {linkRuns && <td>{run.temporalUiUrl ? <a href={run.temporalUiUrl} aria-label={`Open the ${run.kind} import of ${formatInstant(run.scheduledFor, metric.timeZone)} in the Temporal UI`} data-run-link>Open run</a> : '—'}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}
