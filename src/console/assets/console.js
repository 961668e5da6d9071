// Console islands: plain browser JavaScript, no build step. Every call goes to the REST API (/v1)
// with the session cookie and the CSRF token; every user-supplied string is put in as text.
'use strict';

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

async function api(method, path, body) {
  const headers = { 'x-csrf-token': csrfToken };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, data: { detail: 'The console could not reach the server; check your connection and try again.' } };
  }
  if (response.status === 401) {
    window.location.assign('/console/sign-in');
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  return { ok: response.ok, status: response.status, data };
}

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for], [data-form-error]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** A problem from the API: each field error next to its field, the detail in the form's alert. */
function showProblem(form, problem) {
  const general = form.querySelector('[data-form-error]');
  let placed = 0;
  for (const error of problem?.errors ?? []) {
    const name = error.pointer.split('/').pop();
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = error.message;
      form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true');
      placed += 1;
    }
  }
  if (general && (placed === 0 || (problem?.errors ?? []).length > placed)) general.textContent = problem?.detail ?? 'The request failed.';
}

function busy(button, on) {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}

// Integration add / edit: Test credentials, Save; the secret is sent only when typed.
function integrationForm(form) {
  const id = form.dataset.integrationId;
  const result = form.querySelector('[data-check-result]');
  const values = () => Object.fromEntries(['name', 'apiEndpoint', 'clientId', 'clientSecret'].map((n) => [n, form.elements[n].value.trim()]));
  const testButton = form.querySelector('[data-action="test"]');
  testButton.addEventListener('click', async () => {
    clearErrors(form);
    result.textContent = 'Testing…';
    result.className = 'check-result';
    busy(testButton, true);
    const v = values();
    const response = id && !v.clientSecret
      ? await api('POST', `/v1/integrations/${id}/test`)
      : await api('POST', '/v1/integrations/test', { apiEndpoint: v.apiEndpoint, clientId: v.clientId, clientSecret: v.clientSecret });
    busy(testButton, false);
    if (!response.ok) {
      result.textContent = '';
      showProblem(form, response.data);
      return;
    }
    // Each message once: a success's message already ends with the note, and a failure that names
    // an input goes next to that input, as the API's field errors do.
    const check = response.data;
    const input = !check.ok && check.field ? form.elements[check.field] : null;
    if (input) {
      form.querySelector(`[data-error-for="${CSS.escape(check.field)}"]`).textContent = check.message;
      input.setAttribute('aria-invalid', 'true');
    }
    const label = input ? form.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent : null;
    result.textContent = check.ok ? check.message : [label ? `Not connected: see ${label}.` : check.message, check.note].filter(Boolean).join(' ');
    result.className = `check-result ${check.ok ? 'ok' : 'bad'}`;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const v = values();
    if (id && !v.clientSecret) delete v.clientSecret;
    const button = form.querySelector('button[type="submit"]');
    busy(button, true);
    const response = id ? await api('PATCH', `/v1/integrations/${id}`, v) : await api('POST', '/v1/integrations', v);
    busy(button, false);
    if (response.ok) window.location.assign('/console/integrations');
    else showProblem(form, response.data);
  });
}

function integrationDeletes() {
  for (const button of document.querySelectorAll('[data-delete-integration]')) {
    button.addEventListener('click', async () => {
      if (!window.confirm(`Delete the integration "${button.dataset.name}"?`)) return;
      const response = await api('DELETE', `/v1/integrations/${button.dataset.deleteIntegration}`);
      if (response.ok) window.location.reload();
      else button.parentElement.querySelector('[data-row-error]').textContent = response.data?.detail ?? 'Delete failed.';
    });
  }
}

function fieldOption(field) {
  const details = [field.type, field.timeframe ? `timeframe ${field.timeframe}` : null, field.category].filter(Boolean).join(', ');
  return el('option', { value: field.name }, `${field.label ?? field.name} — ${field.name} (${details})`);
}

// New metric, or a metric's source and schedule: integration → Look (search, paging) → fields →
// preview → schedule → save.
function metricSourceForm(form) {
  const editing = form.dataset.metricId || null;
  const integration = form.elements.integrationId;
  const search = form.querySelector('#lookSearch');
  const list = form.querySelector('[data-looks]');
  const status = form.querySelector('[data-looks-status]');
  const more = form.querySelector('[data-action="more-looks"]');
  const dateField = form.elements.dateField;
  const valueField = form.elements.valueField;
  const preview = form.querySelector('[data-preview]');
  let nextCursor = null;
  let lookId = null;

  const zone = form.elements.timeZone;
  if (!editing) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const saved = editing
    ? { lookId: form.dataset.lookId, dateField: form.dataset.dateField, valueField: form.dataset.valueField, importTime: form.elements.importTime.value, timeZone: zone.value }
    : null;
  const zones = form.querySelector('#timeZones');
  for (const name of Intl.supportedValuesOf?.('timeZone') ?? []) zones.append(el('option', { value: name }));

  async function loadLooks(append) {
    status.textContent = 'Loading Looks…';
    const query = new URLSearchParams({ limit: '25' });
    if (search.value.trim()) query.set('search', search.value.trim());
    if (append && nextCursor) query.set('cursor', nextCursor);
    const response = await api('GET', `/v1/integrations/${integration.value}/looks?${query}`);
    if (!response.ok) {
      status.textContent = response.data?.detail ?? 'Could not list Looks.';
      return;
    }
    if (!append) list.replaceChildren();
    for (const look of response.data.data) {
      const item = el('li');
      const radio = el('input', { type: 'radio', name: 'lookId', value: look.id, id: `look-${look.id}` });
      radio.addEventListener('change', () => selectLook(look));
      const label = el('label', { for: `look-${look.id}` }, look.title);
      label.append(el('span', { class: 'muted' }, ` · Look ${look.id}${look.folder ? ` in ${look.folder.name}` : ''}`));
      item.append(radio, label);
      list.append(item);
    }
    nextCursor = response.data.data.length === 25 ? response.data.nextCursor : null;
    more.hidden = !nextCursor;
    status.textContent = list.children.length === 0 ? 'No Look matches.' : `${list.children.length} Looks shown${nextCursor ? '; more available' : ''}.`;
  }

  async function selectLook(look, fieldsToSelect) {
    lookId = look.id;
    if (!form.elements.name.value) form.elements.name.value = look.title;
    preview.replaceChildren();
    for (const select of [dateField, valueField]) {
      select.disabled = true;
      select.replaceChildren(el('option', { value: '' }, 'Loading fields…'));
    }
    const response = await api('GET', `/v1/integrations/${integration.value}/looks/${encodeURIComponent(look.id)}/fields`);
    if (!response.ok) {
      for (const select of [dateField, valueField]) select.replaceChildren(el('option', { value: '' }, 'No fields'));
      showProblem(form, response.data);
      return;
    }
    const { fields, suggested } = response.data;
    dateField.replaceChildren(...fields.map(fieldOption));
    valueField.replaceChildren(...fields.map(fieldOption));
    const chosen = fieldsToSelect ?? suggested;
    if (chosen.dateField) dateField.value = chosen.dateField;
    if (chosen.valueField) valueField.value = chosen.valueField;
    dateField.disabled = false;
    valueField.disabled = false;
  }

  integration.addEventListener('change', () => {
    lookId = null;
    void loadLooks(false);
  });
  form.querySelector('[data-action="search"]').addEventListener('click', () => void loadLooks(false));
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void loadLooks(false);
    }
  });
  more.addEventListener('click', () => void loadLooks(true));

  const previewButton = form.querySelector('[data-action="preview"]');
  previewButton.addEventListener('click', async () => {
    clearErrors(form);
    if (!lookId) {
      form.querySelector('[data-error-for="lookId"]').textContent = 'Choose a Look first.';
      return;
    }
    preview.textContent = 'Running the Look…';
    busy(previewButton, true);
    const response = await api('POST', `/v1/integrations/${integration.value}/looks/${encodeURIComponent(lookId)}/preview`, {
      dateField: dateField.value,
      valueField: valueField.value,
    });
    busy(previewButton, false);
    preview.replaceChildren();
    if (!response.ok) {
      preview.append(el('p', { class: 'error' }, response.data?.detail ?? 'The preview failed.'));
      showProblem(form, response.data);
      return;
    }
    const p = response.data;
    preview.append(el('p', { 'data-preview-summary': '' }, `${p.datapointCount} datapoints (${p.granularity}), ${p.firstDate ?? '—'} to ${p.lastDate ?? '—'}, from ${p.rowsRead} rows.`));
    const reasons = Object.entries(p.skipReasons).filter(([, n]) => n > 0).map(([reason, n]) => `${reason.replaceAll('_', ' ')}: ${n}`);
    preview.append(el('p', {}, p.skipped > 0 ? `${p.skipped} rows skipped (${reasons.join(', ')}).` : 'No row skipped.'));
    if (p.possiblyTruncated) preview.append(el('p', { class: 'warning' }, `The preview read only ${p.rowLimit} rows; the import reads the whole history.`));
  });

  async function saveChanges() {
    const source = { name: form.elements.name.value.trim(), lookId: lookId ?? '', dateField: dateField.value, valueField: valueField.value };
    // Only what changed is sent: an unchanged source must not start a re-import.
    const changed = Object.fromEntries(Object.entries(source).filter(([key, value]) => key === 'name' || value !== saved[key]));
    const response = await api('PATCH', `/v1/metrics/${editing}`, changed);
    if (!response.ok) return response;
    const schedule = { importTime: form.elements.importTime.value, timeZone: zone.value.trim() };
    if (schedule.importTime === saved.importTime && schedule.timeZone === saved.timeZone) return response;
    return api('PATCH', `/v1/metrics/${editing}/schedule`, schedule);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type="submit"]');
    busy(button, true);
    if (editing) {
      const result = await saveChanges();
      busy(button, false);
      if (result.ok) window.location.assign(`/console/metrics/${editing}`);
      else showProblem(form, result.data);
      return;
    }
    const response = await api('POST', '/v1/metrics', {
      name: form.elements.name.value.trim(),
      integrationId: integration.value,
      lookId: lookId ?? '',
      dateField: dateField.value,
      valueField: valueField.value,
      importTime: form.elements.importTime.value,
      timeZone: zone.value.trim(),
    });
    busy(button, false);
    if (response.ok) window.location.assign(`/console/metrics/${response.data.id}`);
    else showProblem(form, response.data);
  });

  void loadLooks(false).then(() => {
    if (!saved) return;
    // The current Look stays selectable even when it is not on the first page of the list.
    let current = form.querySelector(`#look-${CSS.escape(saved.lookId)}`);
    if (!current) {
      const item = el('li');
      current = el('input', { type: 'radio', name: 'lookId', value: saved.lookId, id: `look-${saved.lookId}` });
      current.addEventListener('change', () => selectLook({ id: saved.lookId, title: '' }));
      item.append(current, el('label', { for: `look-${saved.lookId}` }, `Current Look ${saved.lookId}`));
      list.prepend(item);
    }
    current.checked = true;
    void selectLook({ id: saved.lookId, title: '' }, saved);
  });
}

function parseCsv(text) {
  const dates = [];
  const values = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [date, value] = line.split(',');
    dates.push(date);
    values.push(Number(value));
  }
  return { dates, values };
}

async function drawChart(section) {
  const chart = document.querySelector('[data-chart]');
  const status = document.querySelector('[data-chart-status]');
  // One compact request for the whole series: "date,value" lines.
  const response = await fetch(`/v1/metrics/${section.dataset.metricId}/datapoints?format=csv`, { credentials: 'same-origin' });
  if (!response.ok) {
    status.textContent = 'Could not load the datapoints; reload the page.';
    return;
  }
  const series = parseCsv(await response.text());
  chart.series = series;
  chart.dataset.count = String(series.dates.length);
  chart.replaceChildren();
  const latest = document.querySelector('[data-latest] tbody');
  latest.replaceChildren();
  for (let i = series.dates.length - 1; i >= Math.max(0, series.dates.length - 5); i -= 1) {
    const row = el('tr');
    row.append(el('td', {}, series.dates[i]), el('td', { class: 'num' }, series.values[i].toLocaleString()));
    latest.append(row);
  }
  // Pan and zoom controls only once there is something to move over.
  document.querySelector('[data-chart-controls]').hidden = series.dates.length === 0;
  if (series.dates.length === 0) {
    status.textContent = 'No datapoints yet: they appear here as the import runs.';
    return;
  }
  status.textContent = `${series.dates.length} datapoints, ${series.dates[0]} to ${series.dates.at(-1)}.`;
  const xs = series.dates.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const width = Math.max(280, chart.clientWidth);
  const range = document.querySelector('[data-chart-range]');
  chart.plot?.destroy();
  chart.plot = new uPlot(
    {
      width,
      height: 320,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
      scales: { x: { time: true } },
      series: [{ label: 'Date' }, { label: 'Value', stroke: '#2563eb', width: 1.5, points: { show: false } }],
      axes: [{}, { size: 80 }],
      cursor: {
        drag: { x: true, y: false },
        // Shift-drag pans; a plain drag still zooms to the selection.
        bind: {
          mousedown: (plot, target, handler) => (event) => {
            if (event.button !== 0 || event.target !== target) return;
            if (event.shiftKey) dragToPan(plot, event);
            else handler(event);
          },
        },
      },
      hooks: {
        setScale: [
          (plot, key) => {
            if (key !== 'x') return;
            const [min, max] = visibleRange(plot);
            range.textContent = `Showing ${isoDate(min)} to ${isoDate(max)}.`;
          },
        ],
      },
    },
    [xs, series.values],
    chart,
  );
}

const day = 86_400;
const isoDate = (seconds) => new Date(Math.round(seconds / day) * day * 1000).toISOString().slice(0, 10);
const visibleRange = (plot) => [plot.scales.x.min, plot.scales.x.max];
const dataRange = (plot) => [plot.data[0][0], plot.data[0][plot.data[0].length - 1]];

/** Shows [min, max] moved back inside the series, never narrower than two days nor wider than it. */
function showRange(plot, min, max) {
  const [first, last] = dataRange(plot);
  const span = Math.min(Math.max(max - min, 2 * day), last - first);
  const start = Math.max(first, Math.min(min, last - span));
  plot.setScale('x', { min: start, max: start + span });
}

function panBy(plot, fraction) {
  const [min, max] = visibleRange(plot);
  const shift = (max - min) * fraction;
  showRange(plot, min + shift, max + shift);
}

function zoomBy(plot, factor) {
  const [min, max] = visibleRange(plot);
  const middle = (min + max) / 2;
  const half = ((max - min) * factor) / 2;
  showRange(plot, middle - half, middle + half);
}

function resetZoom(plot) {
  const [first, last] = dataRange(plot);
  plot.setScale('x', { min: first, max: last });
}

function dragToPan(plot, event) {
  const [min, max] = visibleRange(plot);
  const perPixel = (max - min) / plot.over.clientWidth;
  const startX = event.clientX;
  const move = (moved) => {
    const shift = (startX - moved.clientX) * perPixel;
    showRange(plot, min + shift, max + shift);
  };
  const stop = () => {
    document.removeEventListener('mousemove', move);
    document.removeEventListener('mouseup', stop);
  };
  document.addEventListener('mousemove', move);
  document.addEventListener('mouseup', stop);
}

/** Buttons and keys (on the focused chart) for the chart: pan, zoom, reset. Bound once; each acts on the current plot. */
function chartControls() {
  const chart = document.querySelector('[data-chart]');
  const act = {
    'pan-earlier': (plot) => panBy(plot, -0.25),
    'pan-later': (plot) => panBy(plot, 0.25),
    'zoom-in': (plot) => zoomBy(plot, 0.5),
    'zoom-out': (plot) => zoomBy(plot, 2),
    'zoom-reset': resetZoom,
  };
  for (const button of document.querySelectorAll('[data-chart-action]')) {
    button.addEventListener('click', () => chart.plot && act[button.dataset.chartAction](chart.plot));
  }
  const keys = { ArrowLeft: 'pan-earlier', ArrowRight: 'pan-later', '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', '0': 'zoom-reset', Home: 'zoom-reset' };
  chart.addEventListener('keydown', (event) => {
    const action = keys[event.key];
    if (!action || !chart.plot || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    act[action](chart.plot);
  });
}

function metricPage(section) {
  const id = section.dataset.metricId;
  const errorSlot = section.querySelector('[data-form-error]');
  for (const time of document.querySelectorAll('[data-local-time]')) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    time.textContent = ` · ${new Date(time.dataset.localTime).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} your time (${zone})`;
  }
  const actions = { pause: ['POST', 'pause'], resume: ['POST', 'resume'], 'import-now': ['POST', 'import-now'] };
  for (const button of section.querySelectorAll('[data-action]')) {
    button.addEventListener('click', async () => {
      errorSlot.textContent = '';
      const action = button.dataset.action;
      if (action === 'delete') {
        if (!window.confirm('Delete this metric and all its datapoints? Its imports stop.')) return;
        const response = await api('DELETE', `/v1/metrics/${id}`);
        if (response.ok) window.location.assign('/console/metrics');
        else errorSlot.textContent = response.data?.detail ?? 'Delete failed.';
        return;
      }
      const [method, path] = actions[action];
      busy(button, true);
      const response = await api(method, `/v1/metrics/${id}/${path}`);
      busy(button, false);
      if (response.ok) window.location.reload();
      else errorSlot.textContent = response.data?.detail ?? 'The action failed.';
    });
  }
  chartControls();
  void drawChart(section);
  // While history is being imported the page follows it: once the import settles, it shows the result.
  if (section.dataset.busy === 'true') {
    const timer = setInterval(async () => {
      const response = await api('GET', `/v1/metrics/${id}`);
      if (!response.ok) return;
      const settled = response.data.state !== 'backfilling' && response.data.importing === false;
      if (settled || response.data.state !== section.dataset.state) {
        clearInterval(timer);
        window.location.reload();
      } else {
        void drawChart(section);
      }
    }, 2000);
  }
}

function apiKeyForm(form) {
  const box = form.querySelector('[data-new-key]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const response = await api('POST', '/v1/api-keys', { name: form.elements.name.value.trim() });
    if (!response.ok) {
      showProblem(form, response.data);
      return;
    }
    box.hidden = false;
    form.querySelector('#newKey').value = response.data.key;
    form.elements.name.value = '';
  });
  form.querySelector('[data-action="copy"]').addEventListener('click', () => {
    void navigator.clipboard?.writeText(form.querySelector('#newKey').value);
  });
  for (const button of document.querySelectorAll('[data-revoke-key]')) {
    button.addEventListener('click', async () => {
      if (!window.confirm(`Revoke the key "${button.dataset.name}"? Programs and console sessions using it stop working.`)) return;
      const response = await api('POST', `/v1/api-keys/${button.dataset.revokeKey}/revoke`);
      if (response.ok) window.location.reload();
      else button.parentElement.querySelector('[data-row-error]').textContent = response.data?.detail ?? 'Revoke failed.';
    });
  }
}

const islands = { 'integration-form': integrationForm, 'metric-source': metricSourceForm, metric: metricPage, 'api-key-form': apiKeyForm };
for (const node of document.querySelectorAll('[data-island]')) islands[node.dataset.island]?.(node);
integrationDeletes();
