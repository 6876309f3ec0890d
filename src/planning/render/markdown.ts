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

/** Prose in a GFM table cell: pipes escaped, line breaks flattened. */
export function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function bulletList(items: string[]): string {
  return items.map((item) => `- ${oneLine(item)}`).join('\n');
}

export function checklist(items: string[], checked = false): string {
  return items.map((item) => `- [${checked ? 'x' : ' '}] ${oneLine(item)}`).join('\n');
}

/**
 * A line that starts a block other than a paragraph (CommonMark and GFM as Gitea renders them):
 * heading, list item, quote, fence, HTML, table row, thematic break, or indented code.
 */
const BLOCK_START =
  /^(?:\s|#{1,6}(?:\s|$)|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|>|`{3}|~{3}|<|\||([-*_])(?:\s*\1){2,}\s*$)/;
/** A second line that turns the first into a setext heading or a table header. */
const HEADER_UNDERLINE = /^ {0,3}(?:=+|-+)\s*$|^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * `body` addressed to people: `@bob Recorded.` when the body opens with plain text, otherwise
 * the mentions on a line of their own and a blank line before the body — glued to a heading or
 * table the mention would break it, and some blocks (an ordered list not starting at 1,
 * indented code) cannot follow a paragraph line without a blank line.
 */
export function addressTo(logins: string | readonly string[], body: string): string {
  const mention = (typeof logins === 'string' ? [logins] : logins).map((login) => `@${login}`).join(' ');
  if (mention === '') return body;
  if (body.trim() === '') return mention;
  const [first = '', second = ''] = body.split('\n', 2);
  const plain = !BLOCK_START.test(first) && !HEADER_UNDERLINE.test(second);
  return plain ? `${mention} ${body}` : `${mention}\n\n${body}`;
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
