import { describe, expect, it } from 'vitest';
import { workflowDescription } from '../../src/temporal/workflow-description';

const metric = { name: 'Daily revenue', lookId: '42', dateField: 'orders.created_date', valueField: 'orders.total', importTime: '06:00', timeZone: 'Europe/Berlin' };

describe('the Temporal UI description of a metric workflow', () => {
  it('names the metric, the integration and the Look', () => {
    const described = workflowDescription(metric, { name: 'Acme Looker' });
    expect(described.summary).toBe('Daily revenue · Acme Looker · Look 42');
    expect(described.details).toContain('**Imports daily at:** 06:00 Europe/Berlin');
  });

  it('shows tenant text as text: a name cannot become a link, an image or HTML in the operator’s UI', () => {
    const hostile = '[click](https://attacker.invalid) ![x](https://attacker.invalid/x.png) <img src=x onerror=alert(1)> **bold**';
    const { details } = workflowDescription({ ...metric, name: hostile }, { name: '<script>alert(1)</script>' });
    expect(details).not.toMatch(/(^|[^\\])\[click\]/);
    expect(details).not.toMatch(/(^|[^\\])</);
    expect(details).toContain('\\[click\\]\\(https://attacker.invalid\\)');
    expect(details).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(details).toContain('\\*\\*bold\\*\\*');
  });
});
