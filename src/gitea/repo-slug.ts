/** `OWNER/NAME` as the CLI takes it (`setup --repo`, `doctor`), checked and split. */
export interface RepoSlug {
  owner: string;
  repo: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

export function parseRepoSlug(slug: string): RepoSlug {
  const parts = slug.trim().split('/');
  const [owner, repo] = parts;
  if (parts.length !== 2 || !owner || !repo || !NAME.test(owner) || !NAME.test(repo)) {
    throw new Error(`"${slug}" is not a repository: expected OWNER/NAME, e.g. acme/shop`);
  }
  return { owner, repo };
}
