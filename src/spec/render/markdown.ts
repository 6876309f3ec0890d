/**
 * Markdown helpers shared by the renderers. Text that came from users or from a model is passed
 * through `neutralize` so it can never open an HTML comment (and so forge an aiworker marker)
 * or close the fenced blocks the renderers write.
 */

/** Defuses HTML comments and fence breakers in untrusted text; keeps everything else as written. */
export function neutralize(text: string): string {
  return text
    .replace(/<!--/g, '&lt;!--')
    .replace(/-->/g, '--&gt;')
    .replace(/^(\s*)(`{3,}|~{3,})/gm, '$1\u200b$2');
}

/** One line (no newlines), neutralized: for list items and headings. */
export function oneLine(text: string): string {
  return neutralize(text.replace(/\s*\n+\s*/g, ' ').trim());
}

export function bulletList(items: string[]): string {
  return items.map((item) => `- ${oneLine(item)}`).join('\n');
}

export function checklist(items: string[], checked = false): string {
  return items.map((item) => `- [${checked ? 'x' : ' '}] ${oneLine(item)}`).join('\n');
}

/** Human label of a feature type, e.g. `crud_api` → "CRUD API". */
export function featureTypeLabel(featureType: string): string {
  const labels: Record<string, string> = {
    authentication: 'authentication',
    payments: 'payments',
    crud_api: 'CRUD API',
    ui_page: 'UI page',
    integration: 'integration',
    notifications: 'notifications',
    search: 'search',
    import_export: 'import/export',
    data_migration: 'data migration',
    bug_fix: 'bug fix',
    performance: 'performance',
    general: 'feature',
  };
  return labels[featureType] ?? featureType.replace(/_/g, ' ');
}
