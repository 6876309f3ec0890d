/** Public shapes of the Gitea fake: what tests read and pass in. */

import type { DeliveryOrder } from './delivery-order.ts';
import type { GiteaWebFake } from './web/types.ts';

export type { DeliveryOrder } from './delivery-order.ts';

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string;
  exclusive: boolean;
}

export interface FakePullInfo {
  /** The pull request's own id (Gitea's `pull_request.id`), distinct from the issue id. */
  id: number;
  head: string;
  base: string;
  headSha: string;
  merged: boolean;
  mergeCommitSha: string | null;
}

export interface FakeIssue {
  /** Internal, globally unique issue id (Gitea's `issue.id`), never equal to `number`. */
  id: number;
  number: number;
  repo: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  /** Label names, in the order Gitea lists them (by name). */
  labels: string[];
  isPull: boolean;
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull?: FakePullInfo;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakeDelivery {
  /** X-Gitea-Delivery of this attempt; a redelivery gets a new one. */
  id: string;
  hookId: number;
  url: string;
  /** X-Gitea-Event, e.g. `issues`. */
  event: string;
  /** X-Gitea-Event-Type, e.g. `issue_label`. */
  eventType: string;
  /** The payload's `action`, when it has one. */
  action: string | undefined;
  /** Request headers as sent, with Gitea's spelling of the names. */
  headers: Record<string, string>;
  /** The exact request body sent. */
  body: string;
  /** The JSON payload (equal to `body` for hooks with content type json). */
  payload: string;
  /** Response status; `null` while pending, `0` when the request failed (see `error`). */
  status: number | null;
  responseBody: string;
  error?: string;
  /** Set on a redelivery: the delivery it repeats. */
  redeliveryOf?: string;
  /** 0 for the first delivery sent, 1 for the next, …; `null` until it is sent. */
  sentIndex: number | null;
}

export interface FailureRule {
  method?: string;
  /** Tested against the request path, e.g. `/api/v1/repos/o/r/issues/1/labels`. */
  path?: RegExp;
  /** HTTP status to answer (default 500), or `timeout`: the request hangs, then the socket is dropped. */
  status?: number | 'timeout';
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Apply the change (and emit its webhooks) but still answer with the failure. */
  afterEffect?: boolean;
  /** How long a `timeout` hangs before the connection is dropped (default 10 s). */
  hangMs?: number;
}

export interface FailureRateOptions {
  /** Statuses drawn from for failing requests (default 500, 502, 503); `timeout` hangs. */
  statuses?: Array<number | 'timeout'>;
  /** PRNG seed; the same seed and the same request order fail the same requests. */
  seed?: number;
  /** Share (0..1) of failures that apply the change before failing (default 0). */
  afterEffectShare?: number;
  /** Only requests whose path matches are eligible (default: every API request). */
  path?: RegExp;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Status answered; 0 when the request was left hanging by an injected timeout. */
  status: number;
  /** Login of the authenticated user, or null. */
  user: string | null;
  /** Parsed JSON body, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** Set when failure injection decided this answer. */
  injected?: 'failure' | 'after-effect';
}

export interface FakeUserActions {
  openIssue(repo: string, o: { title: string; body?: string; labels?: string[] }): Promise<FakeIssue>;
  editIssue(
    repo: string,
    n: number,
    o: { title?: string; body?: string; state?: 'open' | 'closed' },
  ): Promise<FakeIssue>;
  close(repo: string, n: number): Promise<void>;
  reopen(repo: string, n: number): Promise<void>;
  addLabels(repo: string, n: number, names: string[]): Promise<void>;
  removeLabel(repo: string, n: number, name: string): Promise<void>;
  comment(repo: string, n: number, body: string): Promise<FakeComment>;
  editComment(repo: string, commentId: number, body: string): Promise<FakeComment>;
  deleteComment(repo: string, commentId: number): Promise<void>;
  react(repo: string, target: { issue: number } | { comment: number }, content: string): Promise<void>;
  openPullRequest(
    repo: string,
    o: {
      title: string;
      body?: string;
      head: string;
      base?: string;
      labels?: string[];
      /** Files committed to `head` when the branch does not exist yet. */
      files?: Record<string, string>;
    },
  ): Promise<FakeIssue>;
  pushToPullRequest(repo: string, n: number, files?: Record<string, string>): Promise<string>;
  /** Submits a review (as Gitea's "Finish review"); returns its id. PENDING fires no webhook. */
  review(
    repo: string,
    n: number,
    o: { event: 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT' | 'PENDING'; body?: string; commitId?: string },
  ): Promise<number>;
  mergePullRequest(repo: string, n: number): Promise<void>;
  /**
   * Edits a file in the web editor (routers/web/repo/editor.go): a commit by this person on
   * `branch` (default: the default branch) that writes `content` (null deletes the file), with
   * the same webhooks as any push. Returns the new commit's sha.
   */
  writeFile(
    repo: string,
    path: string,
    content: string | null,
    o?: { branch?: string; message?: string },
  ): Promise<string>;
  closePullRequest(repo: string, n: number): Promise<void>;
  addDependency(repo: string, n: number, dependsOn: number): Promise<void>;
}

/** How a simulated Gitea Actions job ends, and what its build pushes. */
export interface FakeJobResult {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  /**
   * How long the job ran (its status says `Successful in 1m5s`); default: the time the fake's
   * clock moved since the job started.
   */
  durationSeconds?: number;
  /**
   * For a successful job: the image the build pushed, with its full-sha tag and its moving tag
   * (`pr-<N>`, or the branch as a tag), as actions/build-image/build-image.sh names them.
   * Default `{}`: the default image `<host>/<owner>/<repo>`, pushed with the repository owner's
   * token; `false`: nothing pushed (a workflow that builds no image).
   */
  image?: false | { name?: string; registryUser?: string };
}

/** What triggers a simulated run. */
export interface FakeRunTrigger {
  event: 'push' | 'pull_request';
  /** push: the branch (default: the default branch). */
  branch?: string;
  /** pull_request: the pull request's number. */
  pullRequest?: number;
  /** pull_request: the hook event (default `opened`; `synchronized` is `pull_request_sync`). */
  pullRequestAction?: 'opened' | 'synchronized' | 'reopened';
  /** The commit (default: the branch head, or the pull request's head). */
  sha?: string;
  /** The workflow file in .gitea/workflows (default `aiworker.yml`). */
  workflow?: string;
  /** The job of that file (default: its only job). */
  job?: string;
  /** Who triggered the run (default: the pull request's poster, or the pusher by the commit's author email). */
  actor?: string;
  /** The runner that takes the job (default id 1, name `runner-1`). */
  runner?: { id: number; name: string };
}

export interface FakeActionsRun {
  runId: number;
  runNumber: number;
  jobId: number;
  sha: string;
  /** The image pushed (`<image>:<sha>`), when one was. */
  image?: string;
  /** The tags pushed, sha tag first. */
  tags: string[];
}

/** A run whose job is queued: start it, then finish it, with the test acting in between. */
export interface FakeQueuedJob extends FakeActionsRun {
  start(): void;
  finish(result: FakeJobResult): FakeActionsRun;
}

/** Gitea Actions, simulated: what the server does for a run, as a runner moves it along. */
export interface FakeActions {
  /** Queues, starts and finishes a job in one go (see queueJob). */
  runJob(repo: string, o: FakeRunTrigger & FakeJobResult): FakeActionsRun;
  /**
   * Creates the run as Gitea does for the event (statuses pending, `workflow_run` requested,
   * `workflow_job` queued) and returns its job, for the test to start and finish.
   */
  queueJob(repo: string, o: FakeRunTrigger): FakeQueuedJob;
}

export interface GiteaFake {
  /** Base URL, e.g. http://127.0.0.1:38123 (the API is at url + '/api/v1'). */
  url: string;
  close(): Promise<void>;
  addUser(
    login: string,
    opts?: { admin?: boolean; password?: string; email?: string },
  ): { id: number; login: string; token: string };
  createToken(login: string): string;
  createRepo(
    owner: string,
    name: string,
    opts?: {
      files?: Record<string, string>;
      defaultBranch?: string;
      description?: string;
      private?: boolean;
    },
  ): FakeRepo;
  /** Pushes one commit; a `null` content deletes the file. Returns the new commit sha. */
  setFiles(
    repoFullName: string,
    files: Record<string, string | null>,
    opts?: { branch?: string; message?: string; pusher?: string },
  ): string;
  setPermission(repoFullName: string, login: string, permission: 'read' | 'write' | 'admin'): void;
  createLabel(
    repoFullName: string,
    label: { name: string; color?: string; exclusive?: boolean; description?: string },
  ): FakeLabel;
  /**
   * Registers a webhook. `events` uses the API's names (`issues`, `issue_comment`, `pull_request`,
   * `push`, `status`, `workflow_run`, …); when omitted the hook receives every event.
   */
  addHook(
    repoFullName: string,
    opts: { url: string; secret: string; events?: string[]; active?: boolean; contentType?: 'json' | 'form' },
  ): number;
  as(login: string): FakeUserActions;
  issue(repoFullName: string, number: number): FakeIssue | undefined;
  issues(repoFullName: string): FakeIssue[];
  labels(repoFullName: string): FakeLabel[];
  comments(repoFullName: string, number: number): FakeComment[];
  reactions(
    repoFullName: string,
    target: { issue: number } | { comment: number },
  ): Array<{ user: string; content: string }>;
  dependencies(repoFullName: string, number: number): number[];
  /** Every status of a commit, newest first; `creator` is `gitea-actions` for a job's. */
  statuses(
    repoFullName: string,
    sha: string,
  ): Array<{ context: string; state: string; target_url: string; description: string; creator: string }>;
  /** Files of a branch (default branch when omitted). */
  files(repoFullName: string, branch?: string): Record<string, string>;
  /** Head commit sha of a branch (default branch when omitted). */
  branchSha(repoFullName: string, branch?: string): string | undefined;
  /**
   * The commit a ref names and its files, for a reader of the repository such as Argo CD:
   * a branch, a full commit sha, or `HEAD` (the default branch). Undefined when there is none.
   */
  readCommit(repoFullName: string, ref: string): { sha: string; files: Record<string, string> } | undefined;
  /** Gitea Actions, simulated (runs, their statuses and webhooks, the images they push). */
  actions: FakeActions;
  deliveries: FakeDelivery[];
  redeliver(deliveryId: string): Promise<FakeDelivery>;
  /** Waits until every delivery that is not held back has been sent. */
  waitForDeliveries(): Promise<void>;
  /** How deliveries are ordered from now on (see delivery-order.ts). */
  setDeliveryOrder(order: DeliveryOrder): void;
  /** Keeps every delivery from now on back, unsent, until `releaseDeliveries`. */
  holdDeliveries(): void;
  /**
   * Sends the held deliveries one at a time in the order `arrange` returns (each exactly once;
   * default: the order the events happened), waiting for `afterEach` after each one (e.g. until
   * the receiver has handled it), then delivers as before.
   */
  releaseDeliveries(
    arrange?: (held: FakeDelivery[]) => FakeDelivery[],
    options?: { afterEach?: (delivery: FakeDelivery) => Promise<void> },
  ): Promise<void>;
  failNext(rule: FailureRule): void;
  setFailureRate(rate: number, opts?: FailureRateOptions): void;
  /** Removes every pending failure rule and the failure rate. */
  clearFailures(): void;
  calls: RecordedCall[];
  resetCalls(): void;
  /** The web UI routes: sign-in and project boards (Gitea has no REST API for boards). See web/README.md. */
  web: GiteaWebFake;
}

export interface StartGiteaFakeOptions {
  /**
   * Reported by GET /version (default 1.26.3); it also picks the behaviour the fake imitates
   * where the supported versions differ: 1.24.x, 1.25.x or 1.26.x (README.md lists what
   * differs). Routes are checked against 1.26.3's swagger whatever the version.
   */
  version?: string;
  /** Clock used for every timestamp (default: the real clock). */
  now?: () => Date;
  /** Order of webhook deliveries (default `in-order`; `pool` imitates Gitea's worker pool). */
  delivery?: DeliveryOrder;
}
