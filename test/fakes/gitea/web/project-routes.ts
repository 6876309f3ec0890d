import { accessMode } from '../domain/access.ts';
import { goJsonCompact } from '../go-json.ts';
import { AccessMode } from '../state.ts';
import { projectViewMain } from './board-page.ts';
import {
  htmlResponse,
  jsonOk,
  jsonResponse,
  mustDoer,
  mustRepo,
  notFound,
  pathInt,
  redirect,
  repoLink,
  serverError,
  type WebContext,
  type WebResponse,
  type WebRoute,
} from './context.ts';
import { bindForm, formInt, formValues } from './forms.ts';
import { projectListMain } from './html.ts';
import { type ColumnRecord, ModelError, type ProjectRecord } from './projects.ts';
import { FLASH_COOKIE } from './sessions.ts';
import { viewEnsuresDefaultColumn } from './version.ts';

/**
 * The repository project routes of Gitea 1.26 (`routers/web/web.go` 1502–1527 and 1357,
 * handlers in `routers/web/repo/projects.go`). Middleware: the repository must exist and be
 * readable, the Projects unit enabled and readable (else 404); the inner group needs Projects
 * write (else 404, which is also what a visitor or an expired session gets).
 */

const LIST_PAGE_SIZE = 20; // setting.UI.IssuePagingNum

function mode(ctx: WebContext) {
  return accessMode(mustRepo(ctx), ctx.doer);
}

function projectsEnabled(ctx: WebContext): boolean {
  return !ctx.web.projects.projectsDisabled.has(mustRepo(ctx).id);
}

/** reqRepoProjectsReader + MustEnableRepoProjects */
const projectsReader = (ctx: WebContext): boolean => projectsEnabled(ctx) && mode(ctx) >= AccessMode.Read;
/** … + reqRepoProjectsWriter */
const projectsWriter = (ctx: WebContext): boolean => projectsEnabled(ctx) && mode(ctx) >= AccessMode.Write;
/** reqRepoIssuesOrPullsWriter + reqRepoProjectsReader */
const issuesWriter = (ctx: WebContext): boolean => projectsReader(ctx) && mode(ctx) >= AccessMode.Write;

/** The project `{id}` when it belongs to this repository. */
function projectInRepo(ctx: WebContext): ProjectRecord | undefined {
  const project = ctx.web.projects.projects.get(pathInt(ctx, 'id'));
  return project && project.repoId === mustRepo(ctx).id ? project : undefined;
}

function modelFailure(ctx: WebContext, error: unknown): WebResponse {
  if (!(error instanceof ModelError)) throw error;
  // ServerError on an error wrapping util.ErrNotExist answers 404.
  return error.kind === 'not-exist' ? notFound(ctx) : serverError(ctx);
}

/** The owner/admin/Projects-write check the column handlers repeat (403 JSON). */
function refuseUnauthorised(ctx: WebContext): WebResponse | undefined {
  if (!ctx.doer)
    return jsonResponse(403, { message: 'Only signed in users are allowed to perform this action.' });
  if (mode(ctx) < AccessMode.Write) {
    return jsonResponse(403, { message: 'Only authorized users are allowed to perform this action.' });
  }
  return undefined;
}

/** checkProjectColumnChangePermissions (projects.go 553–597). */
function columnForChange(ctx: WebContext): { project: ProjectRecord; column: ColumnRecord } | WebResponse {
  const refused = refuseUnauthorised(ctx);
  if (refused) return refused;
  const projectId = pathInt(ctx, 'id');
  const project = ctx.web.projects.projects.get(projectId);
  if (!project) return notFound(ctx);
  const column = ctx.web.projects.columns.get(pathInt(ctx, 'columnID'));
  if (!column) return notFound(ctx);
  if (column.projectId !== projectId) {
    return jsonResponse(422, {
      message: `ProjectColumn[${column.id}] is not in Project[${project.id}] as expected`,
    });
  }
  if (project.repoId !== mustRepo(ctx).id) {
    return jsonResponse(422, {
      message: `ProjectColumn[${column.id}] is not in Repository[${mustRepo(ctx).id}] as expected`,
    });
  }
  return { project, column };
}

function isResponse(value: object): value is WebResponse {
  return 'status' in value;
}

const COLUMN_FORM = { Title: 'string', Color: 'string', Sorting: 'int' } as const;

function listProjects(ctx: WebContext): WebResponse {
  const repo = mustRepo(ctx);
  const store = ctx.web.projects;
  const state = ctx.url.searchParams.get('state') === 'closed' ? 'closed' : 'open';
  const query = ctx.url.searchParams.get('q') ?? '';
  const sort = ctx.url.searchParams.get('sort') ?? '';
  const page = Math.max(1, formInt(ctx.url.searchParams.get('page') ?? '1'));
  const all = store.projectsOf(repo);
  const matching = all
    .filter((p) => p.isClosed === (state === 'closed'))
    .filter((p) => p.title.toLowerCase().includes(query.toLowerCase()));
  // Default sort "newest": created desc.
  const oldestFirst = sort === 'oldest';
  matching.sort((a, b) => {
    const byTime = a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id;
    return oldestFirst ? byTime : -byTime;
  });
  const pages = Math.max(1, Math.ceil(matching.length / LIST_PAGE_SIZE));
  const entries = matching.slice((page - 1) * LIST_PAGE_SIZE, page * LIST_PAGE_SIZE).map((project) => {
    let openIssues = 0;
    let closedIssues = 0;
    for (const row of store.projectIssues.values()) {
      if (row.projectId !== project.id) continue;
      if (ctx.web.world.state.issuesById.get(row.issueId)?.isClosed) closedIssues++;
      else openIssues++;
    }
    return { project, openIssues, closedIssues };
  });
  const inQuery = all.filter((p) => p.title.toLowerCase().includes(query.toLowerCase()));
  return htmlResponse(
    ctx,
    200,
    'Projects',
    projectListMain({
      repoLink: repoLink(ctx),
      state,
      query,
      openCount: inQuery.filter((p) => !p.isClosed).length,
      closedCount: inQuery.filter((p) => p.isClosed).length,
      entries,
      canWrite: mode(ctx) >= AccessMode.Write,
      page,
      pages,
    }),
  );
}

/**
 * ViewProject (routers/web/repo/projects.go, v1.26.3 280–432, v1.25.4 292–426, v1.24.7
 * 295–429): the columns are read first (GetColumns), then LoadIssuesFromProject runs
 * MustDefaultColumn — always up to 1.25, only when the project has issues in 1.26 — which may
 * promote the first column or create "Uncategorized". The page shows the columns as read before
 * that, so such a change appears only on the next view; cards without a column are shown in the
 * default column.
 */
function viewProject(ctx: WebContext): WebResponse {
  const project = projectInRepo(ctx);
  if (!project) return notFound(ctx);
  const store = ctx.web.projects;
  const { state } = ctx.web.world;
  const columns = store.columnsOf(project).map((column) => ({ ...column }));
  const cards = store.loadIssues(project, viewEnsuresDefaultColumn(ctx.web.version));
  return htmlResponse(
    ctx,
    200,
    project.title,
    projectViewMain(
      {
        version: ctx.web.version,
        repoLink: repoLink(ctx),
        project,
        columns: columns.map((column) => ({ column, issues: cards.get(column.id) ?? [] })),
        canWrite: mode(ctx) >= AccessMode.Write,
        posterOf: (issue) => state.userById(issue.posterId),
      },
      state.now(),
    ),
  );
}

async function newProjectPost(ctx: WebContext): Promise<WebResponse> {
  const form = await bindForm(
    { Title: 'string', Content: 'string', TemplateType: 'int', CardType: 'int' },
    ctx.contentType,
    ctx.raw,
  );
  // CreateProjectForm has no Validate(): an empty title is accepted.
  const project = ctx.web.projects.createProject(mustRepo(ctx), mustDoer(ctx), {
    title: form.Title,
    description: form.Content,
    templateType: form.TemplateType,
    cardType: form.CardType,
  });
  ctx.cookies.push(
    `${FLASH_COOKIE}=${encodeURIComponent(`success=The project "${project.title}" has been created.`)}; Path=/; HttpOnly; SameSite=Lax`,
  );
  return redirect(`${repoLink(ctx)}/projects`);
}

async function moveIssues(ctx: WebContext): Promise<WebResponse> {
  const refused = refuseUnauthorised(ctx);
  if (refused) return refused;
  const store = ctx.web.projects;
  const project = projectInRepo(ctx);
  if (!project) return notFound(ctx);
  const column = store.columns.get(pathInt(ctx, 'columnID'));
  if (!column || column.projectId !== project.id) return notFound(ctx);

  // The body is decoded as JSON whatever the Content-Type.
  let items: Array<{ issueID: number; sorting: number }> = [];
  let decodeFailed = false;
  try {
    items = issuesOfMoveForm(JSON.parse(ctx.raw));
  } catch {
    decodeFailed = true;
  }
  const answer = (): WebResponse => {
    const issueIds = items.map((item) => item.issueID);
    const sorted = new Map<number, number>();
    for (const item of items) sorted.set(item.sorting, item.issueID);
    const found = new Set(issueIds.filter((id) => ctx.web.world.state.issuesById.has(id)));
    if (found.size !== items.length) return serverError(ctx); // "some issues do not exist"
    for (const id of found) {
      if (ctx.web.world.state.issuesById.get(id)?.repoId !== project.repoId) return serverError(ctx);
    }
    try {
      store.moveIssues(column, sorted);
    } catch (error) {
      return modelFailure(ctx, error);
    }
    return jsonOk();
  };
  if (!decodeFailed) return answer();
  // 1.26.3 bug (projects.go 691–693): the decode error is written without `return`, so the
  // handler goes on with an empty form and appends `{"ok":true}` to the 500 answer.
  const failed = serverError(ctx);
  const rest = answer();
  return { ...failed, body: `${failed.body ?? ''}${rest.status === 200 ? goJsonCompact({ ok: true }) : ''}` };
}

/** `{"issues":[{"issueID":N,"sorting":N}]}`; a wrongly typed body is a decode error. */
function issuesOfMoveForm(decoded: unknown): Array<{ issueID: number; sorting: number }> {
  if (decoded === null) return [];
  if (typeof decoded !== 'object' || Array.isArray(decoded)) throw new TypeError('not an object');
  const issues = (decoded as { issues?: unknown }).issues;
  if (issues === undefined || issues === null) return [];
  if (!Array.isArray(issues)) throw new TypeError('issues is not an array');
  return issues.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new TypeError('issue is not an object');
    const { issueID = 0, sorting = 0 } = item as { issueID?: unknown; sorting?: unknown };
    if (!Number.isInteger(issueID) || !Number.isInteger(sorting)) throw new TypeError('not an int64');
    return { issueID: issueID as number, sorting: sorting as number };
  });
}

async function updateIssueProject(ctx: WebContext): Promise<WebResponse> {
  const repo = mustRepo(ctx);
  const value = await formValues(ctx.contentType, ctx.raw, ctx.url.searchParams);
  const store = ctx.web.projects;
  const { state } = ctx.web.world;
  // getActionIssues (issue.go 204–241)
  const commaSeparated = value('issue_ids');
  const ids: number[] = [];
  if (commaSeparated !== '') {
    for (const part of commaSeparated.split(',')) {
      if (!/^[+-]?\d+$/.test(part)) return serverError(ctx); // strconv.ParseInt failed
      ids.push(Number.parseInt(part, 10));
    }
  }
  const issues = ids
    .map((id) => state.issuesById.get(id))
    .filter((issue) => issue !== undefined)
    .filter((issue, i, all) => all.indexOf(issue) === i);
  if (issues.some((issue) => issue.repoId !== repo.id)) return notFound(ctx);
  const projectId = formInt(value('id'));
  for (const issue of issues) {
    if (store.projectIssues.get(issue.id)?.projectId === projectId) continue;
    try {
      store.assignIssue(issue, projectId);
    } catch (error) {
      return modelFailure(ctx, error);
    }
  }
  return jsonOk();
}

export const projectRoutes: WebRoute[] = [
  {
    method: 'GET',
    pattern: '/{owner}/{repo}/projects',
    auth: 'optional',
    repo: projectsReader,
    handle: listProjects,
  },
  {
    method: 'GET',
    pattern: '/{owner}/{repo}/projects/new',
    auth: 'optional',
    repo: projectsWriter,
    handle: (ctx) =>
      jsonResponse(501, {
        message: `The Gitea fake does not render ${ctx.url.pathname}; post the form instead.`,
      }),
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/new',
    auth: 'optional',
    repo: projectsWriter,
    handle: newProjectPost,
  },
  {
    method: 'GET',
    pattern: '/{owner}/{repo}/projects/{id}',
    auth: 'optional',
    repo: projectsReader,
    handle: viewProject,
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/delete',
    auth: 'optional',
    repo: projectsWriter,
    handle(ctx) {
      const project = projectInRepo(ctx);
      if (!project) return notFound(ctx);
      ctx.web.projects.deleteProject(project);
      return jsonResponse(200, { redirect: `${repoLink(ctx)}/projects` });
    },
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/{action:open|close}',
    auth: 'optional',
    repo: projectsWriter,
    handle(ctx) {
      const project = projectInRepo(ctx);
      if (!project) return notFound(ctx);
      project.isClosed = ctx.params.action === 'close';
      return jsonResponse(200, { redirect: `${repoLink(ctx)}/projects/${project.id}` });
    },
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/move',
    auth: 'optional',
    repo: projectsWriter,
    handle(ctx) {
      const project = projectInRepo(ctx);
      if (!project) return notFound(ctx);
      let moves: Array<{ columnID: number; sorting: number }>;
      try {
        const decoded = JSON.parse(ctx.raw) as { columns?: Array<{ columnID?: number; sorting?: number }> };
        moves = (decoded.columns ?? []).map((c) => ({ columnID: c.columnID ?? 0, sorting: c.sorting ?? 0 }));
      } catch {
        return serverError(ctx);
      }
      const sorted = new Map<number, number>();
      for (const move of moves) sorted.set(move.sorting, move.columnID);
      const columns = [...sorted.values()].map((id) => ctx.web.projects.columns.get(id));
      // MoveColumnsOnProject: "columns cannot be found" unless every one is in this project.
      if (columns.some((c) => c?.projectId !== project.id)) return serverError(ctx);
      for (const [sorting, id] of sorted) {
        const column = ctx.web.projects.columns.get(id);
        if (column) column.sorting = sorting;
      }
      return jsonOk();
    },
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/columns/new',
    auth: 'optional',
    repo: projectsWriter,
    async handle(ctx) {
      const refused = refuseUnauthorised(ctx);
      if (refused) return refused;
      const project = projectInRepo(ctx);
      if (!project) return notFound(ctx);
      const form = await bindForm(COLUMN_FORM, ctx.contentType, ctx.raw);
      try {
        ctx.web.projects.addColumn(project, mustDoer(ctx), { title: form.Title, color: form.Color });
      } catch (error) {
        return modelFailure(ctx, error);
      }
      return jsonOk();
    },
  },
  {
    method: 'PUT',
    pattern: '/{owner}/{repo}/projects/{id}/{columnID}',
    auth: 'optional',
    repo: projectsWriter,
    async handle(ctx) {
      const found = columnForChange(ctx);
      if (isResponse(found)) return found;
      const form = await bindForm(COLUMN_FORM, ctx.contentType, ctx.raw);
      try {
        ctx.web.projects.editColumn(found.column, {
          title: form.Title,
          color: form.Color,
          sorting: form.Sorting,
        });
      } catch (error) {
        return modelFailure(ctx, error);
      }
      return jsonOk();
    },
  },
  {
    method: 'DELETE',
    pattern: '/{owner}/{repo}/projects/{id}/{columnID}',
    auth: 'optional',
    repo: projectsWriter,
    handle(ctx) {
      const found = columnForChange(ctx);
      if (isResponse(found)) return found;
      try {
        ctx.web.projects.deleteColumn(found.column);
      } catch (error) {
        return modelFailure(ctx, error);
      }
      return jsonOk();
    },
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/{columnID}/default',
    auth: 'optional',
    repo: projectsWriter,
    handle(ctx) {
      const found = columnForChange(ctx);
      if (isResponse(found)) return found;
      ctx.web.projects.setDefaultColumn(found.column);
      return jsonOk();
    },
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/projects/{id}/{columnID}/move',
    auth: 'optional',
    repo: projectsWriter,
    handle: moveIssues,
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/issues/projects',
    auth: 'required',
    repo: issuesWriter,
    handle: updateIssueProject,
  },
  {
    method: 'POST',
    pattern: '/{owner}/{repo}/pulls/projects',
    auth: 'required',
    repo: issuesWriter,
    handle: updateIssueProject,
  },
];
