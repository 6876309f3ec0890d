/** The branch an agent pushes for a subtask (DESIGN §9): `ai/<number>-<slug of the title>`. */

const MAX_SLUG_CHARS = 40;

/** Lower-case ASCII words of a title joined by dashes, cut at a word boundary; `task` when none. */
export function branchSlug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  let slug = '';
  for (const word of words) {
    const next = slug === '' ? word : `${slug}-${word}`;
    if (next.length > MAX_SLUG_CHARS) {
      if (slug === '') slug = word.slice(0, MAX_SLUG_CHARS);
      break;
    }
    slug = next;
  }
  return slug === '' ? 'task' : slug;
}

export function subtaskBranch(issueNumber: number, title: string): string {
  if (!Number.isInteger(issueNumber) || issueNumber < 1) {
    throw new RangeError(`issue number must be a positive integer, got ${issueNumber}`);
  }
  return `ai/${issueNumber}-${branchSlug(title)}`;
}
