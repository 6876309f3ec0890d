import { type CheckResult, slugOfCheck } from '../doctor-report.ts';
import { BoardLoginError, BoardRequestError, BoardTwoFactorError } from './errors.ts';
import { LabelsBoard, type LabelsBoardClient } from './labels.ts';
import { ProjectsBoard } from './projects.ts';
import type { BoardAdapter } from './types.ts';
import { GiteaWebSession } from './web-session.ts';

/**
 * Which board a deployment gets (docs/architecture.md §2): with GITEA_BOT_PASSWORD, a real Gitea Project
 * driven through the web UI; without it, the `ai-status/*` labels.
 */

export { BoardError, BoardLoginError, BoardRequestError, BoardTwoFactorError } from './errors.ts';
export { LabelsBoard, type LabelsBoardClient } from './labels.ts';
export { DEFAULT_PROJECT_NAME, ProjectsBoard, type ProjectsBoardOptions } from './projects.ts';
export * from './types.ts';
export { GiteaWebSession, type WebSessionOptions } from './web-session.ts';

export interface CreateBoardOptions {
  giteaUrl: string;
  client: LabelsBoardClient;
  /** The bot account's login (the user of GITEA_TOKEN). */
  botLogin: string;
  /** GITEA_BOT_PASSWORD; unset or empty selects the labels board. */
  botPassword?: string;
  /** Web requests' timeout. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Project to recreate when `place` repairs a board no `prepare` of this instance named. */
  defaultProjectName?: string;
}

export function createBoard(options: CreateBoardOptions): BoardAdapter {
  if (!options.botPassword) return new LabelsBoard(options.client);
  return new ProjectsBoard(webSession(options, options.botPassword), {
    defaultProjectName: options.defaultProjectName,
  });
}

export interface CheckBoardOptions {
  giteaUrl: string;
  botLogin: string;
  botPassword?: string;
  /** `OWNER/NAME`: also check that its Projects unit is enabled and visible to the bot. */
  repo?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const SIGN_IN_CHECK = 'board sign-in';

/** The bot's session in Gitea's web UI, which the project board is driven through. */
function webSession(
  options: Pick<CheckBoardOptions, 'giteaUrl' | 'botLogin' | 'timeoutMs' | 'fetch'>,
  password: string,
): GiteaWebSession {
  return new GiteaWebSession({
    giteaUrl: options.giteaUrl,
    login: options.botLogin,
    password,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
}

/**
 * The board part of `aiworker doctor`: the bot can sign in to the web UI (right password, no
 * 2FA) and, for a repository, its Projects unit is enabled. Never throws for a Gitea problem.
 */
export async function checkBoard(options: CheckBoardOptions): Promise<CheckResult[]> {
  if (!options.botPassword) {
    return [
      {
        name: 'board',
        ok: true,
        detail: 'GITEA_BOT_PASSWORD is not set: the board is shown with the ai-status/* labels',
      },
    ];
  }
  const session = webSession(options, options.botPassword);
  const signIn = await signInCheck(session);
  if (options.repo === undefined) return [signIn];
  return [signIn, await projectsUnitCheck(session, options.repo, signIn.ok)];
}

async function signInCheck(session: GiteaWebSession): Promise<CheckResult> {
  try {
    await session.signIn();
    return { name: SIGN_IN_CHECK, ok: true, detail: `signed in to the Gitea web UI as ${session.login}` };
  } catch (error) {
    if (error instanceof BoardTwoFactorError) {
      return {
        name: SIGN_IN_CHECK,
        ok: false,
        detail: `${session.login} has two-factor authentication enabled`,
        fix:
          'Use a dedicated bot account without two-factor authentication for GITEA_TOKEN and GITEA_BOT_PASSWORD, ' +
          'or unset GITEA_BOT_PASSWORD to use the ai-status/* labels as the board.',
      };
    }
    if (error instanceof BoardLoginError) {
      return {
        name: SIGN_IN_CHECK,
        ok: false,
        detail: error.message,
        fix: `Set GITEA_BOT_PASSWORD to the password of ${session.login}, or unset it to use the ai-status/* labels as the board.`,
      };
    }
    if (error instanceof BoardRequestError) {
      return {
        name: SIGN_IN_CHECK,
        ok: false,
        detail: error.message,
        fix: error.status === 0 ? 'Check GITEA_URL and that this host can reach Gitea.' : undefined,
      };
    }
    throw error;
  }
}

async function projectsUnitCheck(
  session: GiteaWebSession,
  slug: string,
  signedIn: boolean,
): Promise<CheckResult> {
  const name = `projects of ${slug}`;
  const parsed = slugOfCheck(name, slug);
  if ('failed' in parsed) return parsed.failed;
  const { owner, repo } = parsed;
  if (!signedIn) return { name, ok: false, detail: 'skipped: the board sign-in failed' };
  const path = `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/projects`;
  try {
    const answer = await session.send({ method: 'GET', path, accept: 'html' });
    if (answer.status === 200) return { name, ok: true, detail: 'the Projects unit is enabled' };
    if (answer.status === 404) {
      return {
        name,
        ok: false,
        detail: `the Projects unit of ${slug} is disabled, or ${session.login} cannot see the repository`,
        fix:
          `Enable Projects in ${slug} → Settings (or PATCH /api/v1/repos/${slug} with {"has_projects": true, "projects_mode": "all"}) ` +
          `and give ${session.login} write access. On a Gitea that enforces two-factor authentication, a session without it ` +
          'has no repository access: unset GITEA_BOT_PASSWORD to use the labels board.',
      };
    }
    return { name, ok: false, detail: `GET ${path} answered ${answer.status}` };
  } catch (error) {
    if (error instanceof BoardRequestError) return { name, ok: false, detail: error.message };
    throw error;
  }
}
