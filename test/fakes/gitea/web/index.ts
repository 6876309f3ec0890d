import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RepoRecord } from '../state.ts';
import type { World } from '../world.ts';
import type { WebWorld } from './context.ts';
import { type ColumnRecord, ModelError, type ProjectRecord, ProjectStore, TemplateType } from './projects.ts';
import { createWebHandler } from './server.ts';
import { SessionStore } from './sessions.ts';
import type { ColumnSelector, FakeBoardColumn, FakeProject, FakeWebCall, GiteaWebFake } from './types.ts';
import { usesCsrfToken, webVersionOf } from './version.ts';

export type * from './types.ts';

export interface GiteaWeb {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void>;
  controls: GiteaWebFake;
}

const TEMPLATE_NAMES: Record<number, FakeProject['templateType']> = {
  [TemplateType.None]: 'none',
  [TemplateType.BasicKanban]: 'basic-kanban',
  [TemplateType.BugTriage]: 'bug-triage',
};

/**
 * The web UI routes of the fake (sign-in and repository project boards), sharing the API's
 * state: users and passwords, repository permissions, issues and their internal ids.
 */
export function createGiteaWeb(world: World): GiteaWeb {
  const { state } = world;
  const projects = new ProjectStore(state);
  const version = webVersionOf(state.version);
  const web: WebWorld = {
    world,
    projects,
    sessions: new SessionStore(),
    version,
    legacyCsrf: usesCsrfToken(version),
    twoFactorUsers: new Set(),
  };
  const calls: FakeWebCall[] = [];

  const projectOf = (repoName: string, projectId: number): { repo: RepoRecord; project: ProjectRecord } => {
    const repo = state.mustRepo(repoName);
    const project = projects.projects.get(projectId);
    if (!project || project.repoId !== repo.id) {
      throw new Error(`Gitea fake: ${repoName} has no project ${projectId}`);
    }
    return { repo, project };
  };

  const columnOf = (project: ProjectRecord, selector: ColumnSelector): ColumnRecord => {
    const column = projects
      .columnsOf(project)
      .find((c) => (typeof selector === 'number' ? c.id === selector : c.title === selector));
    if (!column)
      throw new Error(`Gitea fake: project ${project.id} has no column ${JSON.stringify(selector)}`);
    return column;
  };

  const snapshot = (project: ProjectRecord): FakeProject => ({
    id: project.id,
    title: project.title,
    description: project.description,
    state: project.isClosed ? 'closed' : 'open',
    templateType: TEMPLATE_NAMES[project.templateType] ?? 'none',
  });

  const modelAction = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (error instanceof ModelError) throw new Error(`Gitea fake: cannot ${what}: ${error.message}`);
      throw error;
    }
  };

  const controls: GiteaWebFake = {
    version,
    calls,
    resetCalls() {
      calls.length = 0;
    },
    projects(repoName) {
      return projects
        .projectsOf(state.mustRepo(repoName))
        .sort((a, b) => a.id - b.id)
        .map(snapshot);
    },
    board(repoName, projectId) {
      const { project } = projectOf(repoName, projectId);
      return projects.columnsOf(project).map(
        (column): FakeBoardColumn => ({
          id: column.id,
          title: column.title,
          default: column.isDefault,
          sorting: column.sorting,
          color: column.color,
          issues: projects.issuesInColumn(project, column).map((issue) => issue.index),
        }),
      );
    },
    createProject(repoName, opts) {
      const repo = state.mustRepo(repoName);
      const creator = opts.by ? state.mustUser(opts.by) : state.repoOwner(repo);
      const templateType = Number(
        Object.entries(TEMPLATE_NAMES).find(([, name]) => name === (opts.template ?? 'none'))?.[0] ?? 0,
      );
      return snapshot(
        projects.createProject(repo, creator, {
          title: opts.title,
          description: opts.description ?? '',
          templateType,
          cardType: 0,
        }),
      );
    },
    addColumn(repoName, projectId, title) {
      const { repo, project } = projectOf(repoName, projectId);
      let id = 0;
      modelAction('add a column', () => {
        id = projects.addColumn(project, state.repoOwner(repo), { title, color: '' }).id;
      });
      return id;
    },
    deleteColumn(repoName, projectId, selector) {
      const { project } = projectOf(repoName, projectId);
      modelAction('delete the column', () => projects.deleteColumn(columnOf(project, selector)));
    },
    setDefaultColumn(repoName, projectId, selector) {
      const { project } = projectOf(repoName, projectId);
      projects.setDefaultColumn(columnOf(project, selector));
    },
    renameColumn(repoName, projectId, selector, title) {
      const { project } = projectOf(repoName, projectId);
      const column = columnOf(project, selector);
      modelAction('rename the column', () =>
        projects.editColumn(column, { title, color: column.color, sorting: 0 }),
      );
    },
    moveCard(repoName, projectId, number, selector) {
      const { repo, project } = projectOf(repoName, projectId);
      const issue = state.mustIssue(repo, number);
      const column = columnOf(project, selector);
      const last = projects.issuesInColumn(project, column).length;
      modelAction('move the card', () => projects.moveIssues(column, new Map([[last + 1, issue.id]])));
    },
    deleteProject(repoName, projectId) {
      projects.deleteProject(projectOf(repoName, projectId).project);
    },
    closeProject(repoName, projectId) {
      projectOf(repoName, projectId).project.isClosed = true;
    },
    addIssueToProject(repoName, number, projectId) {
      const { repo } = projectOf(repoName, projectId);
      const issue = state.mustIssue(repo, number);
      if (projects.projectIssues.get(issue.id)?.projectId === projectId) return;
      modelAction('add the issue to the project', () => projects.assignIssue(issue, projectId));
    },
    enableTwoFactor(login) {
      web.twoFactorUsers.add(state.mustUser(login).id);
    },
    expireSessions() {
      web.sessions.expireAll();
    },
    setProjectsEnabled(repoName, enabled) {
      const repo = state.mustRepo(repoName);
      if (enabled) projects.projectsDisabled.delete(repo.id);
      else projects.projectsDisabled.add(repo.id);
    },
  };

  return { handle: createWebHandler(web, calls), controls };
}
