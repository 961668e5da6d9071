import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../helpers/browser';
import { eventually } from '../../helpers/eventually';
import { importTimeAhead } from '../../helpers/test-clock';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';

// The committed pictures in docs/console are rewritten only on request, so `npm test` leaves the tree clean.
const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/console') : mkdtempSync(path.join(os.tmpdir(), 'console-screenshots-'));
const xssName = '<img src=x onerror=alert(1)>';

/** The seed flow in a real headless Chromium, against the API, Temporal, Postgres and the emulator. */
describe('web console in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  /** How the next confirmation is answered; every one is recorded in `dialogs`. */
  let confirmDialogs = true;
  const cspViolations: string[] = [];
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    browser = await launchBrowser();
    // The zone the new-metric form must default to: the browser's.
    // A locale of its own: under LANG=C Chromium reports "en-US@posix", which Intl (and so uPlot) rejects.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void (confirmDialogs ? dialog.accept() : dialog.dismiss());
    });
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(`browser: ${message.text()}\n`);
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in, connects Looker, creates a metric whose chart holds the Look, keeps hostile names as text, pauses, resumes, edits the source and signs out', async () => {
    await page.goto(`${stack.apiUrl}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.screenshot({ path: path.join(screenshots, 'sign-in.png') });
    await page.getByLabel('Workspace API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/metrics');
    expect(await page.locator('.empty').textContent()).toContain('No metrics yet');

    // Add an integration: a wrong secret is rejected by Test credentials, the right one connects.
    await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Acme Looker');
    await page.getByLabel('API endpoint').fill(stack.emulator.apiUrl);
    await page.getByLabel('Client ID').fill(emulatorCredentials.clientId);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].bad').waitFor();
    // The rejection sits next to the secret, once; the check's status line points there.
    const rejection = (await page.locator('[data-error-for="clientSecret"]').textContent())!;
    expect(rejection).toMatch(/reject/i);
    expect(await page.getByLabel('Client secret').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-check-result]').textContent()).toBe('Not connected: see Client secret.');
    expect(occurrences(await page.locator('main').innerText(), rejection)).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'integration-rejected.png'), fullPage: true });
    // The host alone connects, and the note on the /api/4.0 the API added shows once.
    await page.getByLabel('API endpoint').fill(stack.emulator.url);
    await page.getByLabel('Client secret').fill(emulatorCredentials.clientSecret);
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].ok').waitFor();
    const connected = (await page.locator('[data-check-result]').textContent())!;
    expect(connected).toMatch(/^Connected as .+\. Using http:\/\/127\.0\.0\.1:\d+\/api\/4\.0: the Looker API 4\.0 address of what you entered\.$/);
    expect(occurrences(await page.locator('main').innerText(), 'the Looker API 4.0 address of what you entered')).toBe(1);
    expect(await page.locator('[data-error-for="clientSecret"]').textContent()).toBe('');
    expect(await page.getByLabel('Client secret').getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/integrations');
    const row = page.locator('tr', { hasText: 'Acme Looker' });
    expect(await row.locator('td').nth(1).textContent()).toBe(stack.emulator.apiUrl.replace(/\/?$/, '').replace(/(\/api\/4\.0)?$/, '/api/4.0'));
    await page.screenshot({ path: path.join(screenshots, 'integrations.png'), fullPage: true });

    // New metric: Look search → fields (suggested preselected) → preview → schedule → save.
    await page.getByRole('navigation').getByRole('link', { name: 'New metric' }).click();
    await page.getByLabel('Integration').selectOption({ label: 'Acme Looker' });
    // A Look that cannot be imported says why in the preview.
    await page.getByLabel('Search Looks by title').fill('duplicate dates');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#look-10').check();
    await page.locator('#dateField:not([disabled])').waitFor();
    await page.getByRole('button', { name: 'Preview import' }).click();
    await page.locator('[data-preview] .error').waitFor();
    expect(await page.locator('[data-preview] .error').textContent()).toMatch(/same day with different values|different values/);
    await page.getByLabel('Search Looks by title').fill('Daily revenue');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#look-1').check();
    await page.locator('#dateField:not([disabled])').waitFor();
    expect(await page.getByLabel('Date field').inputValue()).toBe('orders.created_date');
    expect(await page.getByLabel('Value field').inputValue()).toBe('orders.total_revenue');
    const expected = await lookDatapoints(stack, '1', 'orders.created_date', 'orders.total_revenue');
    const expectedDates = [...expected.keys()].sort();
    await page.getByRole('button', { name: 'Preview import' }).click();
    await page.locator('[data-preview-summary]').waitFor();
    expect(await page.locator('[data-preview-summary]').textContent()).toBe(
      `${expected.size} datapoints (day), ${expectedDates[0]} to ${expectedDates.at(-1)}, from ${expected.size} rows.`,
    );
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await page.getByLabel('Metric name').fill(xssName);
    // Twelve hours from the server's now: no scheduled import joins the backfill during the test.
    await page.getByLabel('Daily import time').fill(importTimeAhead(await stack.now(), 'Europe/Berlin'));
    await page.screenshot({ path: path.join(screenshots, 'new-metric.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save and import history' }).click();
    await page.waitForURL(/\/console\/metrics\/[0-9a-f-]{36}$/);
    const metricId = page.url().split('/').at(-1)!;

    // The page follows the backfill by itself; the chart then holds exactly the Look's datapoints.
    await page.locator('[data-island="metric"][data-state="active"][data-busy="false"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-chart][data-count]').waitFor();
    const series = await page.evaluate<{ dates: string[]; values: number[] }>('document.querySelector("[data-chart]").series');
    expect(series.dates).toEqual(expectedDates);
    series.dates.forEach((date, i) => expect(series.values[i]).toBeCloseTo(expected.get(date)!, 6));
    expect(await page.locator('.u-over').count()).toBe(1);

    // Zoom and pan from the keyboard (the chart is the next stop after the actions), shift-drag, reset.
    const first = Date.parse(`${expectedDates[0]}T00:00:00Z`) / 1000;
    const last = Date.parse(`${expectedDates.at(-1)}T00:00:00Z`) / 1000;
    expect(await chartRange(page)).toEqual([first, last]);
    await page.getByRole('button', { name: 'Delete…' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('chart');
    await page.keyboard.press('+');
    const zoomed = await chartRange(page);
    const span = (last - first) / 2;
    expect(zoomed).toEqual([first + span / 2, last - span / 2]);
    await page.keyboard.press('ArrowLeft');
    expect(await chartRange(page)).toEqual([zoomed[0] - span / 4, zoomed[1] - span / 4]);
    expect(await page.locator('[data-chart-range]').textContent()).toBe(`Showing ${isoDate(zoomed[0] - span / 4)} to ${isoDate(zoomed[1] - span / 4)}.`);
    const over = (await page.locator('.u-over').boundingBox())!;
    const perPixel = span / over.width;
    await page.keyboard.down('Shift');
    await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width / 2 - 100, over.y + over.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const dragged = await chartRange(page);
    expect(dragged[1] - dragged[0]).toBeCloseTo(span, 3);
    // Dragged 100 px to the left: 100 px later, to within a pixel.
    expect(Math.abs(dragged[0] - (zoomed[0] - span / 4) - 100 * perPixel)).toBeLessThanOrEqual(perPixel);
    // Panning stops at the series' ends.
    for (let i = 0; i < 5; i += 1) await page.getByRole('button', { name: 'Later →' }).click();
    expect(await chartRange(page)).toEqual([last - span, last]);
    await page.getByRole('button', { name: 'Show everything' }).click();
    expect(await chartRange(page)).toEqual([first, last]);

    // The hostile name is text everywhere it shows.
    expect(await page.locator('main h1').textContent()).toBe(xssName);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'metric.png'), fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-island="metric"][data-state="paused"]').waitFor();
    expect(await page.locator('[data-state-badge]').first().textContent()).toBe('Paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-island="metric"][data-state="active"]').waitFor();
    expect((await stack.http<{ state: string }>('GET', `/v1/metrics/${metricId}`)).body.state).toBe('active');

    // Edit source: another value field re-imports, and the chart then holds the new values.
    await page.getByRole('link', { name: 'Edit source and schedule' }).click();
    await page.locator('#valueField:not([disabled])').waitFor();
    expect(await page.locator('#look-1').isChecked()).toBe(true);
    expect(await page.getByLabel('Value field').inputValue()).toBe('orders.total_revenue');
    await page.getByLabel('Value field').selectOption('orders.count');
    await page.screenshot({ path: path.join(screenshots, 'edit-source.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`**/console/metrics/${metricId}`);
    const counts = await lookDatapoints(stack, '1', 'orders.created_date', 'orders.count');
    await eventually(
      async () => {
        await page.reload();
        await page.locator('[data-chart][data-count]').waitFor();
        const shown = await page.evaluate<{ dates: string[]; values: number[] }>('document.querySelector("[data-chart]").series');
        return shown.values.every((value, i) => value === counts.get(shown.dates[i]!)) && shown.dates.length === counts.size ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(await page.locator('[data-island="metric"] code').nth(1).textContent()).toBe('orders.count');

    await page.getByRole('navigation').getByRole('link', { name: 'Metrics' }).click();
    expect(await page.locator('[data-metric-link]').textContent()).toBe(xssName);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'metrics.png'), fullPage: true });

    // The integration cannot be deleted while the metric uses it, and the refusal names the metric.
    await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
    await page.locator('tr', { hasText: 'Acme Looker' }).getByRole('button', { name: 'Delete' }).click();
    await page.locator('[data-row-error]:not(:empty)').waitFor();
    expect(await page.locator('[data-row-error]').textContent()).toContain(xssName);
    // Edit keeps the secret write-only: blank, and Test credentials then checks the saved one.
    await page.locator('tr', { hasText: 'Acme Looker' }).getByRole('link', { name: 'Edit' }).click();
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(emulatorCredentials.clientSecret);
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].ok').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'integration-edit.png'), fullPage: true });

    // API keys: a new key is shown once.
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('New key name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('[data-new-key]:not([hidden])').waitFor();
    expect(await page.locator('#newKey').inputValue()).toMatch(/^mi_live_/);
    await page.screenshot({ path: path.join(screenshots, 'api-keys.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.apiUrl}/console/metrics/${metricId}`);
    await page.locator('[data-chart][data-count]').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'metric-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('.notice', { hasText: 'Signed out.' }).waitFor();
    await page.goto(`${stack.apiUrl}/console/metrics`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');

    // The only dialog was the delete confirmation: the hostile name never ran as script (alert(1)).
    expect(dialogs.splice(0)).toEqual(['Delete the integration "Acme Looker"?']);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  }, 240_000);

  it('filters metrics that need attention and shows why, links each import to its Temporal run, imports now, changes the schedule, deletes after confirming, and revokes a key', async () => {
    await page.goto(`${stack.apiUrl}/console/sign-in`);
    await page.getByLabel('Workspace API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/metrics');
    const integration = await stack.http<{ id: string }>('POST', '/v1/integrations', { name: 'Second Looker', apiEndpoint: stack.emulator.apiUrl, ...emulatorCredentials });
    expect(integration.status).toBe(201);
    const createMetric = async (name: string, lookId: string) => {
      const importTime = importTimeAhead(await stack.now(), 'UTC');
      const source = { lookId, dateField: 'orders.created_date', valueField: 'orders.total_revenue' };
      const created = await stack.http<{ id: string }>('POST', '/v1/metrics', { name, integrationId: integration.body.id, ...source, importTime, timeZone: 'UTC' });
      expect(created.status).toBe(202);
      return created.body.id;
    };
    const healthyId = await createMetric('Healthy revenue', '1');
    const conflictingId = await createMetric('Revenue by region', '10');
    const settled = (id: string) =>
      eventually(
        async () => {
          const metric = await stack.http<{ state: string; importing: boolean; nextImportAt: string | null }>('GET', `/v1/metrics/${id}`);
          return metric.body.state !== 'backfilling' && metric.body.importing === false && metric.body.nextImportAt ? metric.body : undefined;
        },
        { timeoutMs: 60_000 },
      );
    expect((await settled(healthyId)).state).toBe('active');
    expect((await settled(conflictingId)).state).toBe('needs_attention');

    // The list filtered to what needs attention, by state and integration, with the last values.
    await page.reload();
    await page.getByLabel('State').selectOption({ label: 'Needs attention' });
    await page.getByLabel('Integration').selectOption({ label: 'Second Looker' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=needs_attention/);
    expect(await page.locator('[data-metric-link]').allTextContents()).toEqual(['Revenue by region']);
    expect(await page.locator('[data-last-value]').allTextContents()).toEqual(['—']);
    await page.getByLabel('State').selectOption({ label: 'Active' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=active/);
    expect(await page.locator('[data-metric-link]').allTextContents()).toEqual(['Healthy revenue']);
    const revenue = await lookDatapoints(stack, '1', 'orders.created_date', 'orders.total_revenue');
    const lastDate = [...revenue.keys()].sort().at(-1)!;
    const lastValue = await page.locator('[data-last-value]').textContent();
    expect(lastValue).toMatch(new RegExp(`^[\\d.]+ on ${lastDate}$`));
    expect(Number(lastValue!.split(' ')[0])).toBeCloseTo(revenue.get(lastDate)!, 6);

    // Needs attention: the reason, and what to change in Looker.
    await page.goto(`${stack.apiUrl}/console/metrics/${conflictingId}`);
    expect(await page.locator('[data-state-badge]').textContent()).toBe('Needs attention');
    const reason = await page.locator('[data-reason]').textContent();
    expect(reason).toMatch(/^Needs attention: The Look has more than one value per date: /);
    expect(reason).toContain('In Looker, remove the other dimensions from the Look (keep "orders.created_date" and "orders.total_revenue")');
    // Nothing to pan over yet: the chart's controls stay hidden.
    expect(await page.locator('[data-chart-status]').textContent()).toBe('No datapoints yet: they appear here as the import runs.');
    expect(await page.getByRole('button', { name: 'Later →' }).isVisible()).toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'metric-needs-attention.png'), fullPage: true });

    // Each import links to the Temporal run that ran it; Import now adds a manual one.
    await page.goto(`${stack.apiUrl}/console/metrics/${healthyId}`);
    const { runId } = await stack.client.workflow.getHandle(`metric-import/${healthyId}`).describe();
    const runUrl = `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`metric-import/${healthyId}`)}/${runId}/history`;
    expect(await page.locator('[data-run-link]').getAttribute('href')).toBe(runUrl);
    await page.getByRole('button', { name: 'Import now' }).click();
    const kinds = await eventually(
      async () => {
        await page.reload();
        const shown = await page.locator('section', { hasText: 'Import history' }).locator('tbody tr td:first-child').allTextContents();
        const running = await page.locator('[data-island="metric"][data-busy="true"]').count();
        return shown.length === 2 && running === 0 ? shown : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(kinds).toEqual(['manual', 'backfill']);
    const hrefs = await Promise.all((await page.locator('[data-run-link]').all()).map((link) => link.getAttribute('href')));
    expect(hrefs).toEqual([runUrl, runUrl]);

    // Schedule: a new import time and zone, shown in the metric's zone.
    await page.getByRole('link', { name: 'Edit source and schedule' }).click();
    await page.locator('#valueField:not([disabled])').waitFor();
    const tokyoTime = importTimeAhead(await stack.now(), 'Asia/Tokyo');
    await page.getByLabel('Daily import time').fill(tokyoTime);
    await page.getByLabel('Time zone').fill('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`**/console/metrics/${healthyId}`);
    const fact = (name: string) => page.locator('.facts dt', { hasText: name }).locator('xpath=following-sibling::dd[1]');
    expect(await fact('Daily import').textContent()).toBe(`${tokyoTime} (Asia/Tokyo)`);
    expect(await fact('Next import').textContent()).toContain(`, ${tokyoTime} (Asia/Tokyo)`);
    const stored = await stack.http<{ importTime: string; timeZone: string }>('GET', `/v1/metrics/${healthyId}`);
    expect([stored.body.importTime, stored.body.timeZone]).toEqual([tokyoTime, 'Asia/Tokyo']);
    // Still the backfill and the manual import: changing the schedule re-imports nothing.
    expect(await page.locator('[data-run-link]').count()).toBe(2);

    // Delete asks first: cancelled, nothing happens; confirmed, the metric and its data are gone.
    confirmDialogs = false;
    await page.getByRole('button', { name: 'Delete…' }).click();
    expect((await stack.http('GET', `/v1/metrics/${healthyId}`)).status).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`/console/metrics/${healthyId}`);
    confirmDialogs = true;
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.waitForURL('**/console/metrics');
    expect(await page.locator('[data-metric-link]').allTextContents()).not.toContain('Healthy revenue');
    expect((await stack.http('GET', `/v1/metrics/${healthyId}`)).status).toBe(404);

    // API keys: a new key is revoked, and no longer opens the API.
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('New key name').fill('Temporary key');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('[data-new-key]:not([hidden])').waitFor();
    const temporaryKey = await page.locator('#newKey').inputValue();
    expect((await stack.http('GET', '/v1/metrics', undefined, { apiKey: temporaryKey })).status).toBe(200);
    await page.reload();
    const keyRow = page.locator('tr', { hasText: 'Temporary key' });
    await keyRow.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForLoadState('load');
    await page.locator('tr', { hasText: 'Temporary key' }).locator('td', { hasText: /^Revoked / }).waitFor();
    expect((await stack.http('GET', '/v1/metrics', undefined, { apiKey: temporaryKey })).status).toBe(401);
    // The session's own key still works: the console stays signed in.
    await page.getByRole('navigation').getByRole('link', { name: 'Metrics' }).click();
    await page.waitForURL('**/console/metrics');

    expect(dialogs).toEqual([
      'Delete this metric and all its datapoints? Its imports stop.',
      'Delete this metric and all its datapoints? Its imports stop.',
      'Revoke the key "Temporary key"? Programs and console sessions using it stop working.',
    ]);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  }, 240_000);
});

/** The x range the chart shows, in seconds. */
function chartRange(page: Page): Promise<[number, number]> {
  return page.evaluate<[number, number]>('(plot => [plot.scales.x.min, plot.scales.x.max])(document.querySelector("[data-chart]").plot)');
}

function isoDate(seconds: number): string {
  return new Date(Math.round(seconds / 86_400) * 86_400_000).toISOString().slice(0, 10);
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** What the Look holds, read straight from the emulator: date → value. */
async function lookDatapoints(stack: TestStack, lookId: string, dateField: string, valueField: string): Promise<Map<string, number>> {
  const login = await fetch(`${stack.emulator.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: emulatorCredentials.clientId, client_secret: emulatorCredentials.clientSecret }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const rows = (await (await fetch(`${stack.emulator.apiUrl}/looks/${lookId}/run/json?limit=-1`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>[];
  return new Map(rows.map((row) => [String(row[dateField]), Number(row[valueField])]));
}
