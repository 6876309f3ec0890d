import { ContentType } from 'gitea-js';
import { collectPages, DEFAULT_PAGE_LIMIT } from './pagination.ts';
import { type ListOptions, readBody, seg } from './requests.ts';
import { type GiteaTransport, totalCountOf } from './transport.ts';
import {
  type GiteaWorkflowRun,
  type RawRunDetails,
  type RawWorkflowRunsResponse,
  toWorkflowRun,
} from './types.ts';

/** Gitea Actions: starting a workflow and reading its runs (not in gitea-js 1.23: our own paths). */

export interface DispatchWorkflowInput {
  /** Branch, tag or full ref to run the workflow at. */
  ref: string;
  inputs?: Record<string, string>;
}

export interface DispatchWorkflowResult {
  /** The run Gitea started; null when this Gitea does not report it. */
  runId: number | null;
  htmlUrl: string | null;
}

export interface ListWorkflowRunsFilters extends ListOptions {
  event?: string;
  branch?: string;
  /** e.g. `queued`, `in_progress`, `completed`, `success`, `failure` */
  status?: string;
  actor?: string;
  headSha?: string;
}

export class GiteaActions {
  constructor(private readonly t: GiteaTransport) {}

  /**
   * Starts a `workflow_dispatch` run of a workflow file (e.g. `build.yml`). Not idempotent:
   * a failure that may have started a run is raised with `mayHaveApplied`.
   */
  async dispatch(
    owner: string,
    repo: string,
    workflowId: string,
    input: DispatchWorkflowInput,
  ): Promise<DispatchWorkflowResult> {
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.request<RawRunDetails | null>({
        path: `/repos/${seg(owner)}/${seg(repo)}/actions/workflows/${seg(workflowId)}/dispatches`,
        method: 'POST',
        query: { return_run_details: true },
        body: { ref: input.ref, inputs: input.inputs ?? {} },
        type: ContentType.Json,
        secure: true,
        ...p,
      }),
    );
    const details = response.status === 200 ? response.data : null;
    return { runId: details?.workflow_run_id ?? null, htmlUrl: details?.html_url ?? null };
  }

  /** Workflow runs of the repository, newest first, every page (or `maxItems`). */
  async runs(
    owner: string,
    repo: string,
    filters: ListWorkflowRunsFilters = {},
  ): Promise<GiteaWorkflowRun[]> {
    const { items } = await collectPages(
      async (page, limit) => {
        const response = await this.t.call('idempotent', (p) =>
          this.t.api.request<RawWorkflowRunsResponse>({
            path: `/repos/${seg(owner)}/${seg(repo)}/actions/runs`,
            method: 'GET',
            query: {
              event: filters.event,
              branch: filters.branch,
              status: filters.status,
              actor: filters.actor,
              head_sha: filters.headSha,
              page,
              limit,
            },
            secure: true,
            ...p,
          }),
        );
        const body = readBody(this.t, response, (data) => data);
        return {
          items: readBody(this.t, response, (data) => (data.workflow_runs ?? []).map(toWorkflowRun)),
          totalCount: body.total_count ?? totalCountOf(response),
        };
      },
      { limit: DEFAULT_PAGE_LIMIT, maxItems: filters.maxItems },
    );
    return items;
  }
}
