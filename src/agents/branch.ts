/**
 * The branch an agent pushes for a subtask (the agent's environment, docs/architecture.md §2): `ai/<number>-<slug of the title>`.
 * Every attempt at a subtask uses the same branch, so a retry continues where the last
 * attempt left its commits and an open pull request stays the subtask's one pull request.
 */

export const BRANCH_PREFIX = 'ai/';

/** Longest slug; branch names end up in Job names, paths and UI lines. */
export const MAX_SLUG_CHARS = 40;

/** Lower-case ASCII words of a title joined by dashes, cut at a word boundary; `task` when none. */
export function branchSlug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents come off: "Café" → "cafe"
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

/** `ai/<issueNumber>-<slug>`; the issue number keeps branches of equally named subtasks apart. */
export function runBranch(issueNumber: number, title: string): string {
  if (!Number.isInteger(issueNumber) || issueNumber < 1) {
    throw new RangeError(`issue number must be a positive integer, got ${issueNumber}`);
  }
  return `${BRANCH_PREFIX}${issueNumber}-${branchSlug(title)}`;
}

/** The subtask issue number a branch of ours names, or null for any other branch. */
export function issueNumberOfBranch(branch: string): number | null {
  const match = /^ai\/(\d+)-[a-z0-9-]+$/.exec(branch);
  if (!match?.[1]) return null;
  const number = Number(match[1]);
  return Number.isSafeInteger(number) && number > 0 ? number : null;
}
