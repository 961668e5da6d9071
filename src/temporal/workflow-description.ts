/** Tenant text shown to operators as Markdown: no link, image or HTML may come out of a metric name. */
const markdownText = (text: string) => text.replace(/[\\`*_{}[\]()<>#+!|~-]/g, (char) => `\\${char}`);

/** The Temporal UI's summary line (plain text) and details (Markdown) of the metric's workflow. */
export function workflowDescription(
  metric: { name: string; lookId: string; dateField: string; valueField: string; importTime: string; timeZone: string },
  integration: { name: string },
): { summary: string; details: string } {
  return {
    summary: `${metric.name} · ${integration.name} · Look ${metric.lookId}`,
    details: [
      `**Metric:** ${markdownText(metric.name)}`,
      `**Integration:** ${markdownText(integration.name)}`,
      `**Look:** ${markdownText(metric.lookId)} (date ${markdownText(metric.dateField)}, value ${markdownText(metric.valueField)})`,
      `**Imports daily at:** ${metric.importTime} ${markdownText(metric.timeZone)}`,
    ].join('\n\n'),
  };
}
