import { afterEach, describe, expect, it } from 'vitest';
import { BOARD_COLUMNS } from '../../src/domain/board.ts';
import { ProjectsBoard } from '../../src/gitea/board/projects.ts';
import type { BoardRef } from '../../src/gitea/board/types.ts';
import { GiteaWebSession } from '../../src/gitea/board/web-session.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/**
 * The Project board adapter against the board pages and behaviour of each supported Gitea
 * (the fake's `version`): 1.24 marks the default column only in the column menu, 1.25 and 1.26
 * with a star in the title; up to 1.25 viewing a column-less board creates "Uncategorized" as
 * the default (MustDefaultColumn). Whatever the starting point, the board ends with AiWorker's
 * five columns once each, people's own columns left alone, Backlog as the default, no card in
 * "Uncategorized", and a second `prepare` changes nothing.
 */

const VERSIONS = ['1.24.7', '1.25.4', '1.26.3'] as const;
const REPO = 'acme/shop';
const repo = { owner: 'acme', name: 'shop' };

let gitea: GiteaFake;

afterEach(async () => {
  await gitea?.close();
});

async function start(version: string): Promise<GiteaFake> {
  gitea = await startGiteaFake({ version });
  gitea.addUser('acme');
  gitea.addUser('alice');
  gitea.addUser('aiworker-bot', { password: 'bot-password' });
  gitea.createRepo('acme', 'shop');
  gitea.setPermission(REPO, 'aiworker-bot', 'write');
  return gitea;
}

function boardFor(): ProjectsBoard {
  return new ProjectsBoard(
    new GiteaWebSession({ giteaUrl: gitea.url, login: 'aiworker-bot', password: 'bot-password' }),
  );
}

/** What changes the board: every web request but reads and the sign-in. */
function writes(): string[] {
  return gitea.web.calls
    .filter((c) => c.method !== 'GET' && c.path !== '/user/login')
    .map((c) => `${c.method} ${c.path}`);
}

function titles(projectId: number): string[] {
  return gitea.web.board(REPO, projectId).map((c) => c.title);
}

function defaultColumn(projectId: number): string[] {
  return gitea.web
    .board(REPO, projectId)
    .filter((c) => c.default)
    .map((c) => c.title);
}

function cardsIn(projectId: number, title: string): number[] {
  return gitea.web.board(REPO, projectId).find((c) => c.title === title)?.issues ?? [];
}

/** A person opens the board in a browser (the page Gitea renders for a reader). */
async function personViews(projectId: number): Promise<void> {
  const page = await fetch(`${gitea.url}/${REPO}/projects/${projectId}`);
  expect(page.status).toBe(200);
}

/** Board ids by column title, as `prepare` must return them. */
function idsOf(projectId: number): Record<string, number> {
  return Object.fromEntries(
    gitea.web
      .board(REPO, projectId)
      .filter((c) => (BOARD_COLUMNS as readonly string[]).includes(c.title))
      .map((c) => [c.title, c.id]),
  );
}

async function expectSecondPrepareChangesNothing(board: ProjectsBoard, ref: BoardRef): Promise<void> {
  const projectId = ref.projectId ?? 0;
  const before = gitea.web.board(REPO, projectId);
  gitea.web.resetCalls();
  expect(await board.prepare(repo, { projectName: 'AiWorker', known: ref })).toEqual({
    board: ref,
    notes: [],
  });
  // A new process without the stored ref finds the same board by name, and changes nothing either.
  const fresh = await boardFor().prepare(repo, { projectName: 'AiWorker' });
  expect(fresh.board).toEqual(ref);
  expect(writes()).toEqual([]);
  expect(gitea.web.board(REPO, projectId)).toEqual(before);
}

describe.each(VERSIONS)('Gitea %s', (version) => {
  const legacy = version !== '1.26.3';

  it('prepares a new project with the five columns, Backlog default, and no "Uncategorized"', async () => {
    await start(version);
    const board = boardFor();

    const { board: ref, notes } = await board.prepare(repo, { projectName: 'AiWorker' });

    const projectId = ref.projectId ?? 0;
    expect(gitea.web.projects(REPO).map((p) => p.id)).toEqual([projectId]);
    expect(titles(projectId)).toEqual([...BOARD_COLUMNS]);
    expect(defaultColumn(projectId)).toEqual(['Backlog']);
    expect(ref.columns).toEqual(idsOf(projectId));
    expect(notes).toEqual([
      `created the project "AiWorker" (#${projectId}) with the columns Backlog, Ready, In Progress, Review, Done`,
    ]);
    // ≤ 1.25 made "Uncategorized" on the first view; it became Backlog instead of being deleted.
    expect(writes().some((w) => w.startsWith('DELETE'))).toBe(false);
    expect(writes().filter((w) => w.startsWith('PUT'))).toHaveLength(legacy ? 1 : 0);
    await expectSecondPrepareChangesNothing(board, ref);
  });

  it('places cards in their columns on the prepared board, none in "Uncategorized"', async () => {
    await start(version);
    const board = boardFor();
    const { board: ref } = await board.prepare(repo, { projectName: 'AiWorker' });
    const projectId = ref.projectId ?? 0;
    const first = await gitea.as('alice').openIssue(REPO, { title: 'Checkout' });
    const second = await gitea.as('alice').openIssue(REPO, { title: 'Refunds & <returns>' });

    expect(await board.place(repo, ref, first, 'blocked')).toEqual(ref);
    expect(await board.place(repo, ref, second, 'review')).toEqual(ref);
    expect(cardsIn(projectId, 'Backlog')).toEqual([first.number]);
    expect(cardsIn(projectId, 'Review')).toEqual([second.number]);
    await board.place(repo, ref, first, 'running');
    await board.place(repo, ref, second, 'done');

    expect(gitea.web.board(REPO, projectId).map((c) => [c.title, c.issues])).toEqual([
      ['Backlog', []],
      ['Ready', []],
      ['In Progress', [first.number]],
      ['Review', []],
      ['Done', [second.number]],
    ]);
    await personViews(projectId);
    expect(titles(projectId)).toEqual([...BOARD_COLUMNS]);
    await expectSecondPrepareChangesNothing(board, ref);
  });

  it('completes a half-prepared board, keeps a person’s column, and leaves no card in "Uncategorized"', async () => {
    await start(version);
    // Someone made the project and looked at it (≤ 1.25: Gitea adds "Uncategorized" as default),
    // then added some of AiWorker's columns in another order and one of their own; a task's issue
    // was added from the issue sidebar, so it landed in the default column.
    const project = gitea.web.createProject(REPO, { title: 'AiWorker' });
    await personViews(project.id);
    for (const title of ['Review', 'Ideas', 'Backlog', 'Ready']) gitea.web.addColumn(REPO, project.id, title);
    const task = await gitea.as('alice').openIssue(REPO, { title: 'Export orders' });
    gitea.web.addIssueToProject(REPO, task.number, project.id);
    expect(titles(project.id)).toEqual(
      legacy
        ? ['Uncategorized', 'Review', 'Ideas', 'Backlog', 'Ready']
        : ['Review', 'Ideas', 'Backlog', 'Ready'],
    );
    expect(cardsIn(project.id, legacy ? 'Uncategorized' : 'Review')).toEqual([task.number]);
    const ideas = gitea.web.board(REPO, project.id).find((c) => c.title === 'Ideas');

    const board = boardFor();
    const { board: ref, notes } = await board.prepare(repo, { projectName: 'AiWorker' });

    expect(ref.projectId).toBe(project.id);
    // The missing columns go right after the column that precedes them in Backlog → Done.
    expect(titles(project.id)).toEqual(['Review', 'Done', 'Ideas', 'Backlog', 'Ready', 'In Progress']);
    expect(defaultColumn(project.id)).toEqual(['Backlog']);
    expect(ref.columns).toEqual(idsOf(project.id));
    // The person's column keeps its id, title and cards (only its position moved with the others).
    expect(gitea.web.board(REPO, project.id).find((c) => c.title === 'Ideas')).toEqual({
      ...ideas,
      sorting: expect.any(Number),
    });
    // ≤ 1.25: "Uncategorized" was deleted and Gitea moved its card to the end of Backlog.
    expect(cardsIn(project.id, 'Backlog')).toEqual(legacy ? [task.number] : []);
    expect(notes).toEqual([
      `using the existing project "AiWorker" (#${project.id})`,
      'added the column "In Progress" to the project "AiWorker"',
      'added the column "Done" to the project "AiWorker"',
      legacy
        ? 'made "Backlog" the default column instead of "Uncategorized"'
        : 'made "Backlog" the default column instead of "Review"',
      ...(legacy
        ? ['deleted the column "Uncategorized" that Gitea created; its 1 card(s) moved to "Backlog"']
        : []),
    ]);

    await board.place(repo, ref, task, 'ready');
    expect(cardsIn(project.id, 'Ready')).toEqual([task.number]);
    expect(gitea.web.board(REPO, project.id).flatMap((c) => c.issues)).toEqual([task.number]);
    await expectSecondPrepareChangesNothing(board, ref);
  });

  it('makes Gitea’s "Uncategorized" of a column-less project the Backlog, keeping its cards', async () => {
    await start(version);
    // A project without columns that someone added an issue to: every version creates
    // "Uncategorized" for it (MustDefaultColumn on assignment).
    const project = gitea.web.createProject(REPO, { title: 'AiWorker' });
    const issue = await gitea.as('alice').openIssue(REPO, { title: 'Someone’s issue' });
    gitea.web.addIssueToProject(REPO, issue.number, project.id);
    const [uncategorized] = gitea.web.board(REPO, project.id);
    expect(uncategorized).toMatchObject({ title: 'Uncategorized', default: true, issues: [issue.number] });

    const board = boardFor();
    const { board: ref, notes } = await board.prepare(repo, { projectName: 'AiWorker' });

    expect(titles(project.id)).toEqual([...BOARD_COLUMNS]);
    expect(ref.columns?.Backlog).toBe(uncategorized?.id);
    expect(defaultColumn(project.id)).toEqual(['Backlog']);
    expect(cardsIn(project.id, 'Backlog')).toEqual([issue.number]);
    expect(notes).toContain('renamed the column "Uncategorized" that Gitea created to "Backlog"');
    await expectSecondPrepareChangesNothing(board, ref);
  });

  it('takes the default from a column a person or Gitea marked, and keeps that column', async () => {
    await start(version);
    const project = gitea.web.createProject(REPO, { title: 'AiWorker', template: 'basic-kanban' });
    gitea.web.setDefaultColumn(REPO, project.id, 'To Do');

    const board = boardFor();
    const { board: ref, notes } = await board.prepare(repo, { projectName: 'AiWorker' });

    expect(titles(project.id)).toEqual(['Backlog', 'Ready', 'To Do', 'In Progress', 'Review', 'Done']);
    expect(defaultColumn(project.id)).toEqual(['Backlog']);
    expect(notes).toContain('made "Backlog" the default column instead of "To Do"');
    await expectSecondPrepareChangesNothing(board, ref);
  });
});
