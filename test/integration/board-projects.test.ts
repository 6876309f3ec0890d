import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOARD_COLUMNS } from '../../src/domain/board.ts';
import type { TaskState } from '../../src/domain/lifecycle.ts';
import { BoardError, BoardLoginError, BoardTwoFactorError } from '../../src/gitea/board/errors.ts';
import { createBoard } from '../../src/gitea/board/index.ts';
import { ProjectsBoard } from '../../src/gitea/board/projects.ts';
import type { BoardRef } from '../../src/gitea/board/types.ts';
import { GiteaWebSession } from '../../src/gitea/board/web-session.ts';
import { createGiteaClient } from '../../src/gitea/client.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/**
 * The Project board adapter through real HTTP against the Gitea fake's web routes: it signs in
 * with the bot's password, creates or adopts the project, keeps the five columns, moves cards
 * by internal issue id, and repairs what people delete.
 */

const REPO = 'acme/shop';
const repo = { owner: 'acme', name: 'shop' };

let fake: GiteaFake;

function boardFor(url: string, password = 'bot-password'): ProjectsBoard {
  return new ProjectsBoard(new GiteaWebSession({ giteaUrl: url, login: 'aiworker-bot', password }));
}

async function startFake(version?: string): Promise<GiteaFake> {
  const gitea = await startGiteaFake(version ? { version } : {});
  gitea.addUser('acme');
  gitea.addUser('aiworker-bot', { password: 'bot-password' });
  gitea.createRepo('acme', 'shop');
  gitea.setPermission(REPO, 'aiworker-bot', 'admin');
  return gitea;
}

function writes(gitea: GiteaFake = fake) {
  return gitea.web.calls.filter((c) => c.method !== 'GET' && c.path !== '/user/login');
}

/** Column title → issue numbers, as the board page shows it. */
function cards(projectId: number, gitea: GiteaFake = fake): Record<string, number[]> {
  return Object.fromEntries(gitea.web.board(REPO, projectId).map((c) => [c.title, c.issues]));
}

async function openIssue(title: string, gitea: GiteaFake = fake): Promise<{ number: number; id: number }> {
  const issue = await gitea.as('acme').openIssue(REPO, { title });
  return { number: issue.number, id: issue.id };
}

beforeEach(async () => {
  fake = await startFake();
});

afterEach(async () => {
  await fake.close();
});

describe('prepare', () => {
  it('creates the project with the five columns once, Backlog as default; a second prepare writes nothing', async () => {
    const board = boardFor(fake.url);
    const first = await board.prepare(repo, { projectName: 'AiWorker' });

    const [project] = fake.web.projects(REPO);
    expect(fake.web.projects(REPO)).toHaveLength(1);
    expect(project).toMatchObject({ title: 'AiWorker', templateType: 'none', state: 'open' });
    const columns = fake.web.board(REPO, project?.id ?? 0);
    expect(columns.map((c) => c.title)).toEqual([...BOARD_COLUMNS]);
    expect(columns.filter((c) => c.default).map((c) => c.title)).toEqual(['Backlog']);
    expect(first.board).toEqual({
      kind: 'projects',
      projectId: project?.id,
      columns: Object.fromEntries(columns.map((c) => [c.title, c.id])),
    });
    expect(first.notes).toEqual([
      `created the project "AiWorker" (#${project?.id}) with the columns Backlog, Ready, In Progress, Review, Done`,
    ]);

    fake.web.resetCalls();
    const second = await board.prepare(repo, { projectName: 'AiWorker', known: first.board });
    expect(second).toEqual({ board: first.board, notes: [] });
    expect(writes()).toEqual([]);

    // A new process that lost the stored ref finds the same project by name.
    const third = await boardFor(fake.url).prepare(repo, { projectName: 'AiWorker' });
    expect(third.board).toEqual(first.board);
    expect(third.notes).toEqual([`using the existing project "AiWorker" (#${project?.id})`]);
    expect(writes()).toEqual([]);
    expect(fake.web.projects(REPO)).toHaveLength(1);
  });

  it('adopts an existing project by name, keeping its columns and cards and adding the missing ones in order', async () => {
    const roadmap = fake.web.createProject(REPO, { title: 'Roadmap', template: 'basic-kanban' });
    fake.web.createProject(REPO, { title: 'Roadmap 2026' });
    const before = Object.fromEntries(fake.web.board(REPO, roadmap.id).map((c) => [c.title, c.id]));
    const existing = await openIssue('Already planned');
    fake.web.addIssueToProject(REPO, existing.number, roadmap.id);

    const prepared = await boardFor(fake.url).prepare(repo, { projectName: 'roadmap' });

    expect(prepared.board.projectId).toBe(roadmap.id);
    expect(fake.web.projects(REPO)).toHaveLength(2);
    const after = fake.web.board(REPO, roadmap.id);
    expect(after.map((c) => c.title)).toEqual(['Backlog', 'Ready', 'To Do', 'In Progress', 'Review', 'Done']);
    expect(prepared.board.columns).toMatchObject({
      Backlog: before.Backlog,
      'In Progress': before['In Progress'],
      Done: before.Done,
    });
    expect(cards(roadmap.id).Backlog).toEqual([existing.number]);
    expect(prepared.notes).toEqual([
      `using the existing project "roadmap" (#${roadmap.id})`,
      'added the column "Ready" to the project "roadmap"',
      'added the column "Review" to the project "roadmap"',
    ]);
  });

  it('adopts a closed project of that name instead of creating a second one, and says it is closed', async () => {
    const closed = fake.web.createProject(REPO, { title: 'AiWorker' });
    fake.web.closeProject(REPO, closed.id);
    const prepared = await boardFor(fake.url).prepare(repo, { projectName: 'AiWorker' });
    expect(prepared.board.projectId).toBe(closed.id);
    expect(fake.web.projects(REPO)).toHaveLength(1);
    expect(prepared.notes).toContain(
      'the project "AiWorker" is closed; reopen it to see it among open projects',
    );
  });

  it('keeps using a stored project and its columns when people rename them', async () => {
    const board = boardFor(fake.url);
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    const projectId = ref.projectId ?? 0;
    fake.web.renameColumn(REPO, projectId, 'Review', 'Code review');
    fake.web.resetCalls();

    const again = await board.prepare(repo, { projectName: 'Another name', known: ref });

    expect(again).toEqual({ board: ref, notes: [] });
    expect(writes()).toEqual([]);
    expect(fake.web.projects(REPO)).toHaveLength(1);
  });

  it('recreates a deleted column in its place and says so', async () => {
    const board = boardFor(fake.url);
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    const projectId = ref.projectId ?? 0;
    fake.web.deleteColumn(REPO, projectId, 'Review');

    const repaired = await board.prepare(repo, { projectName: 'AiWorker', known: ref });

    expect(repaired.notes).toEqual(['column "Review" was missing and was recreated']);
    const columns = fake.web.board(REPO, projectId);
    expect(columns.map((c) => c.title)).toEqual([...BOARD_COLUMNS]);
    expect(repaired.board.columns?.Review).toBe(columns.find((c) => c.title === 'Review')?.id);
    expect(repaired.board.columns?.Review).not.toBe(ref.columns?.Review);
    expect(repaired.board.columns?.Backlog).toBe(ref.columns?.Backlog);
  });

  it('recreates a deleted project', async () => {
    const board = boardFor(fake.url);
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    fake.web.deleteProject(REPO, ref.projectId ?? 0);

    const repaired = await board.prepare(repo, { projectName: 'AiWorker', known: ref });

    const [project] = fake.web.projects(REPO);
    expect(repaired.board.projectId).toBe(project?.id);
    expect(project?.id).not.toBe(ref.projectId);
    expect(fake.web.board(REPO, project?.id ?? 0).map((c) => c.title)).toEqual([...BOARD_COLUMNS]);
    expect(repaired.notes).toEqual([
      `project #${ref.projectId} no longer exists`,
      `created the project "AiWorker" (#${project?.id}) with the columns Backlog, Ready, In Progress, Review, Done`,
    ]);
  });

  it('says how to enable Projects when the unit is disabled', async () => {
    fake.web.setProjectsEnabled(REPO, false);
    const failure = await boardFor(fake.url)
      .prepare(repo, { projectName: 'AiWorker' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BoardError);
    expect((failure as Error).message).toContain('has_projects');
    expect(fake.web.projects(REPO)).toEqual([]);
  });
});

describe('place', () => {
  let board: ProjectsBoard;
  let ref: BoardRef;
  let projectId: number;

  beforeEach(async () => {
    board = boardFor(fake.url);
    ref = (await board.prepare(repo, { projectName: 'AiWorker' })).board;
    projectId = ref.projectId ?? 0;
  });

  it('moves a card through Backlog → Ready → In Progress → Review → Done', async () => {
    const other = await openIssue('Unrelated');
    const issue = await openIssue('Checkout page');
    const steps: Array<[TaskState, string]> = [
      ['blocked', 'Backlog'],
      ['ready', 'Ready'],
      ['running', 'In Progress'],
      ['review', 'Review'],
      ['done', 'Done'],
    ];
    for (const [state, column] of steps) {
      expect(await board.place(repo, ref, issue, state)).toEqual(ref);
      const expected = Object.fromEntries(BOARD_COLUMNS.map((c) => [c, c === column ? [issue.number] : []]));
      expect(cards(projectId)).toEqual(expected);
    }
    expect(fake.issue(REPO, other.number)).toBeDefined();
  });

  it('writes nothing when the card is already in its column', async () => {
    const issue = await openIssue('Checkout page');
    await board.place(repo, ref, issue, 'ready');
    fake.web.resetCalls();
    await board.place(repo, ref, issue, 'ready');
    expect(writes()).toEqual([]);
    expect(fake.web.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /${REPO}/projects/${projectId}`,
    ]);
  });

  it('puts a card moved by a person back, at the end of the column', async () => {
    const first = await openIssue('First');
    const second = await openIssue('Second');
    await board.place(repo, ref, first, 'review');
    await board.place(repo, ref, second, 'review');
    fake.web.moveCard(REPO, projectId, first.number, 'Done');
    expect(cards(projectId).Review).toEqual([second.number]);

    await board.place(repo, ref, first, 'review');

    expect(cards(projectId).Review).toEqual([second.number, first.number]);
    expect(cards(projectId).Done).toEqual([]);
  });

  it('signs in again transparently when the session expired (303 to the sign-in page on assignment)', async () => {
    const issue = await openIssue('Checkout page');
    fake.web.expireSessions();
    fake.web.resetCalls();
    await board.place(repo, ref, issue, 'ready');
    expect(cards(projectId).Ready).toEqual([issue.number]);
    const trail = fake.web.calls.map((c) => `${c.method} ${c.path} ${c.status}`);
    expect(trail).toContain(`POST /${REPO}/issues/projects 303`);
    expect(trail).toContain('POST /user/login 303');
    expect(trail.at(-1)).toBe(`POST /${REPO}/projects/${projectId}/${ref.columns?.Ready}/move 200`);
  });

  it('signs in again when an expired session makes a move 404 (private repository)', async () => {
    await fake.close();
    fake = await startGiteaFake();
    fake.addUser('acme');
    fake.addUser('aiworker-bot', { password: 'bot-password' });
    fake.createRepo('acme', 'shop', { private: true });
    fake.setPermission(REPO, 'aiworker-bot', 'write');
    board = boardFor(fake.url);
    ref = (await board.prepare(repo, { projectName: 'AiWorker' })).board;
    const issue = await openIssue('Checkout page');
    await board.place(repo, ref, issue, 'ready');

    fake.web.expireSessions();
    fake.web.resetCalls();
    await board.place(repo, ref, issue, 'review');

    expect(cards(ref.projectId ?? 0).Review).toEqual([issue.number]);
    const trail = fake.web.calls.map((c) => `${c.method} ${c.path} ${c.status}`);
    expect(trail.slice(0, 4)).toEqual([
      `GET /${REPO}/projects/${ref.projectId} 404`,
      'GET /user/settings 303',
      'POST /user/login 303',
      `GET /${REPO}/projects/${ref.projectId} 200`,
    ]);
    expect(fake.web.calls.filter((c) => c.path === '/user/login')).toHaveLength(1);
  });

  it('recreates a deleted column and returns the updated board', async () => {
    const issue = await openIssue('Checkout page');
    await board.place(repo, ref, issue, 'running');
    fake.web.deleteColumn(REPO, projectId, 'Review');

    const updated = await board.place(repo, ref, issue, 'review');

    const review = fake.web.board(REPO, projectId).find((c) => c.title === 'Review');
    expect(updated).toEqual({ ...ref, columns: { ...ref.columns, Review: review?.id } });
    expect(review?.issues).toEqual([issue.number]);
    expect(fake.web.board(REPO, projectId).map((c) => c.title)).toEqual([...BOARD_COLUMNS]);
  });

  it('recreates a deleted project and puts the card on the new board', async () => {
    const issue = await openIssue('Checkout page');
    await board.place(repo, ref, issue, 'ready');
    fake.web.deleteProject(REPO, projectId);

    const updated = await board.place(repo, ref, issue, 'running');

    const [project] = fake.web.projects(REPO);
    expect(project?.title).toBe('AiWorker');
    expect(updated.projectId).toBe(project?.id);
    expect(updated.projectId).not.toBe(projectId);
    expect(cards(project?.id ?? 0)['In Progress']).toEqual([issue.number]);
  });

  it('refuses an issue number passed as the internal id, naming the mix-up', async () => {
    const issue = await openIssue('Checkout page');
    const failure = await board
      .place(repo, ref, { number: issue.number, id: issue.number }, 'ready')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BoardError);
    expect((failure as Error).message).toContain(`is ${issue.number} the internal id of #${issue.number}?`);
    expect(cards(projectId).Ready).toEqual([]);
  });
});

describe('sign-in problems', () => {
  it('reports two-factor authentication with a BoardTwoFactorError that tells the admin what to do', async () => {
    fake.web.enableTwoFactor('aiworker-bot');
    const failure = await boardFor(fake.url)
      .prepare(repo, { projectName: 'AiWorker' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BoardTwoFactorError);
    expect((failure as BoardTwoFactorError).isRetryable).toBe(false);
    expect((failure as Error).message).toContain('two-factor authentication');
    expect((failure as Error).message).toContain('bot account without two-factor authentication');
    expect(fake.web.projects(REPO)).toEqual([]);
  });

  it('reports a wrong password with Gitea’s message and the variable to fix', async () => {
    const failure = await boardFor(fake.url, 'not-the-password')
      .prepare(repo, { projectName: 'AiWorker' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BoardLoginError);
    expect((failure as Error).message).toContain('Username or password is incorrect.');
    expect((failure as Error).message).toContain('GITEA_BOT_PASSWORD');
    expect(fake.web.calls.map((c) => c.path)).toEqual(['/user/login']);
  });
});

describe('Gitea 1.25 (CSRF token)', () => {
  let legacy: GiteaFake;

  beforeEach(async () => {
    legacy = await startFake('1.25.4');
  });

  afterEach(async () => {
    await legacy.close();
  });

  it('sends the session’s CSRF token with every write, so nothing is refused', async () => {
    const board = boardFor(legacy.url);
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    const issue = await openIssue('Checkout page', legacy);
    await board.place(repo, ref, issue, 'review');

    expect(cards(ref.projectId ?? 0, legacy).Review).toEqual([issue.number]);
    expect(writes(legacy).length).toBeGreaterThan(0);
    expect(legacy.web.calls.filter((c) => c.status === 400)).toEqual([]);
  });

  it('fetches a fresh token after signing in again', async () => {
    const board = boardFor(legacy.url);
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    const issue = await openIssue('Checkout page', legacy);
    legacy.web.expireSessions();
    await board.place(repo, ref, issue, 'ready');
    expect(cards(ref.projectId ?? 0, legacy).Ready).toEqual([issue.number]);
    expect(legacy.web.calls.filter((c) => c.status === 400)).toEqual([]);
  });
});

describe('createBoard', () => {
  it('drives the Project board with a password and the labels without one', async () => {
    const client = createGiteaClient({ baseUrl: fake.url, token: fake.createToken('aiworker-bot') });
    const common = { giteaUrl: fake.url, client, botLogin: 'aiworker-bot' };
    expect(createBoard(common).kind).toBe('labels');
    expect(createBoard({ ...common, botPassword: '' }).kind).toBe('labels');
    const projects = createBoard({ ...common, botPassword: 'bot-password' });
    expect(projects.kind).toBe('projects');
    const { board } = await projects.prepare(repo, { projectName: 'AiWorker' });
    expect(board.kind).toBe('projects');
    expect(fake.web.projects(REPO).map((p) => p.id)).toEqual([board.projectId]);
  });
});
