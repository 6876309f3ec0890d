import { botNeedsAdmin } from './bot-access.ts';
import type { GiteaPick } from './client.ts';
import { type CheckResult, slugOfCheck } from './doctor-report.ts';
import { GiteaError, GiteaForbiddenError, GiteaNotFoundError, GiteaRetryableError } from './errors.ts';
import { parseGiteaVersion } from './version.ts';

/** The Gitea side of `aiworker doctor`: token, version, and the bot's rights on a repository. */

export type DoctorClient = GiteaPick<{
  users: 'current';
  instance: 'version';
  repos: 'get';
  permissions: 'get';
}>;

export const MIN_GITEA_VERSION: readonly [number, number] = [1, 22];

const TOKEN_FIX =
  'Create an access token for the bot account (Gitea → Settings → Applications) with the scopes ' +
  'write:repository, write:issue and read:user, and set it as GITEA_TOKEN.';

function unreachable(error: GiteaRetryableError): Pick<CheckResult, 'detail' | 'fix'> {
  return {
    detail: `cannot reach Gitea (${error.giteaMessage})`,
    fix: 'Check GITEA_URL (Gitea’s root URL, without /api/v1) and that this host can reach it.',
  };
}

/** Any other Gitea error is a failed check too; anything else is a bug and is thrown. */
function otherFailure(name: string, error: unknown): CheckResult {
  if (error instanceof GiteaError) return { name, ok: false, detail: error.message };
  throw error;
}

/** Pure: the version check's result for what `/version` said. */
export function versionCheck(version: string): CheckResult {
  const name = 'Gitea version';
  const parsed = parseGiteaVersion(version);
  const [minMajor, minMinor] = MIN_GITEA_VERSION;
  const minimum = `${minMajor}.${minMinor}`;
  if (!parsed) {
    return {
      name,
      ok: false,
      severity: 'warning',
      detail: `cannot read the version "${version}"`,
      fix: `AiWorker needs Gitea ${minimum} or newer; check that GITEA_URL points at Gitea.`,
    };
  }
  const [major, minor] = parsed;
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    return {
      name,
      ok: false,
      severity: 'warning',
      detail: `Gitea ${version} is older than ${minimum}; some features will not work`,
      fix: `Upgrade Gitea to ${minimum} or newer (AiWorker is tested against 1.26).`,
    };
  }
  return { name, ok: true, detail: `Gitea ${version}` };
}

async function tokenCheck(client: DoctorClient): Promise<{ result: CheckResult; login?: string }> {
  const name = 'Gitea token';
  try {
    const user = await client.users.current();
    return { result: { name, ok: true, detail: `authenticated as ${user.login}` }, login: user.login };
  } catch (error) {
    if (error instanceof GiteaRetryableError) return { result: { name, ok: false, ...unreachable(error) } };
    if (error instanceof GiteaForbiddenError) {
      const detail =
        error.reason === 'unauthenticated'
          ? 'Gitea rejected GITEA_TOKEN (401: wrong, revoked or expired)'
          : `the token may not read its own account (403: ${error.giteaMessage})`;
      return { result: { name, ok: false, detail, fix: TOKEN_FIX } };
    }
    if (error instanceof GiteaNotFoundError) {
      return {
        result: {
          name,
          ok: false,
          detail: `${error.path} does not exist at GITEA_URL`,
          fix: 'GITEA_URL must be Gitea’s root URL, e.g. https://gitea.example.com (without /api/v1).',
        },
      };
    }
    return { result: otherFailure(name, error) };
  }
}

async function versionCheckAt(client: DoctorClient): Promise<CheckResult> {
  try {
    return versionCheck(await client.instance.version());
  } catch (error) {
    if (error instanceof GiteaRetryableError)
      return { name: 'Gitea version', ok: false, ...unreachable(error) };
    if (error instanceof GiteaForbiddenError || error instanceof GiteaNotFoundError) {
      return {
        name: 'Gitea version',
        ok: false,
        severity: 'warning',
        detail: `cannot read the version (${error.status}: ${error.giteaMessage})`,
      };
    }
    return otherFailure('Gitea version', error);
  }
}

async function repoCheck(
  client: DoctorClient,
  slug: string,
  login: string | undefined,
): Promise<CheckResult> {
  const name = `repository ${slug}`;
  const parsed = slugOfCheck(name, slug);
  if ('failed' in parsed) return parsed.failed;
  const { owner, repo } = parsed;
  if (login === undefined) return { name, ok: false, detail: 'skipped: the token check failed' };
  try {
    await client.repos.get(owner, repo);
    // The bot's own permission, through the endpoint the command path asks about others.
    const level = await client.permissions.get(owner, repo, login);
    if (level === 'admin') return { name, ok: true, detail: `${login} is an administrator` };
    const { problem, fix } = botNeedsAdmin(slug, login, level);
    return { name, ok: false, detail: `${problem}; the webhook and the labels need admin too`, fix };
  } catch (error) {
    if (error instanceof GiteaRetryableError) return { name, ok: false, ...unreachable(error) };
    if (error instanceof GiteaNotFoundError || error instanceof GiteaForbiddenError) {
      return {
        name,
        ok: false,
        detail: `${slug} does not exist or ${login} cannot see it`,
        fix: `Check the name, and add ${login} to ${slug} as a collaborator with Administrator access.`,
      };
    }
    return otherFailure(name, error);
  }
}

/** Runs the Gitea checks. Never throws for a Gitea problem: every problem is a failed check. */
export async function checkGitea(
  client: DoctorClient,
  options: { repo?: string } = {},
): Promise<CheckResult[]> {
  const [token, version] = await Promise.all([tokenCheck(client), versionCheckAt(client)]);
  const results = [token.result, version];
  if (options.repo !== undefined) results.push(await repoCheck(client, options.repo, token.login));
  return results;
}
