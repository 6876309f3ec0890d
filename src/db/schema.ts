import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  datetime,
  decimal,
  index,
  int,
  json,
  mediumtext,
  mysqlTable,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';

/**
 * All of AiWorker's durable state (docs/architecture.md §4). Any process may die at any moment, so every
 * row that a side effect depends on is written before or atomically with that effect, and
 * unique keys make a retried write a no-op.
 */

const createdAt = () =>
  datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`);
const updatedAt = () =>
  datetime('updated_at', { mode: 'date', fsp: 3 })
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`)
    .$onUpdate(() => new Date());
const at = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

/** Every webhook delivery the bot accepted: the audit trail and the first line of dedupe. */
export const deliveries = mysqlTable(
  'deliveries',
  {
    id: varchar('id', { length: 64 }).primaryKey(), // X-Gitea-Delivery
    event: varchar('event', { length: 64 }).notNull(), // X-Gitea-Event
    eventType: varchar('event_type', { length: 64 }).notNull(), // X-Gitea-Event-Type
    action: varchar('action', { length: 64 }),
    repoFullName: varchar('repo_full_name', { length: 255 }),
    issueNumber: int('issue_number'),
    sender: varchar('sender', { length: 255 }),
    outcome: varchar('outcome', { length: 32 }).notNull().default('received'), // handled | ignored | failed
    reason: text('reason'),
    attempts: int('attempts').notNull().default(0),
    receivedAt: at('received_at').notNull(),
    processedAt: at('processed_at'),
    durationMs: int('duration_ms'),
  },
  (t) => [
    index('deliveries_repo_issue').on(t.repoFullName, t.issueNumber),
    index('deliveries_received').on(t.receivedAt),
  ],
);

/** A repository the bot manages, with what it last learnt about it. */
export const repos = mysqlTable(
  'repos',
  {
    id: int('id').autoincrement().primaryKey(),
    giteaId: bigint('gitea_id', { mode: 'number' }),
    owner: varchar('owner', { length: 255 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    fullName: varchar('full_name', { length: 255 }).notNull(),
    defaultBranch: varchar('default_branch', { length: 255 }).notNull().default('main'),
    configSha: varchar('config_sha', { length: 64 }),
    configError: text('config_error'),
    /** The issue and comment that list the problems of the bad file (`configSha`), for pointers. */
    configErrorIssue: int('config_error_issue'),
    configErrorUrl: varchar('config_error_url', { length: 1024 }),
    boardKind: varchar('board_kind', { length: 16 }), // projects | labels
    boardProjectId: bigint('board_project_id', { mode: 'number' }),
    boardColumns: json('board_columns').$type<Record<string, number>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('repos_full_name').on(t.fullName)],
);

export const TASK_KINDS = ['feature', 'subtask'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** One managed issue: a feature (the parent) or a subtask. `stateVersion` guards every transition. */
export const tasks = mysqlTable(
  'tasks',
  {
    id: int('id').autoincrement().primaryKey(),
    repoId: int('repo_id').notNull(),
    issueNumber: int('issue_number').notNull(),
    issueId: bigint('issue_id', { mode: 'number' }), // Gitea's internal id (board cards use it)
    kind: varchar('kind', { length: 16 }).$type<TaskKind>().notNull(),
    parentTaskId: int('parent_task_id'),
    state: varchar('state', { length: 32 }).notNull(),
    /** The state to resume when a stopped conversation gets its trigger label back. */
    pausedState: varchar('paused_state', { length: 32 }),
    stateVersion: int('state_version').notNull().default(0),
    triggerLabelPresent: boolean('trigger_label_present').notNull().default(true),
    title: varchar('title', { length: 512 }).notNull().default(''),
    author: varchar('author', { length: 255 }),
    featureType: varchar('feature_type', { length: 64 }),
    /** One-line stack of the repository when the questions were asked (shown with them). */
    stackSummary: varchar('stack_summary', { length: 512 }),
    questionRound: int('question_round').notNull().default(0),
    /** `/revise-spec` feedback waiting for the next spec version (cleared when it is written). */
    pendingFeedback: text('pending_feedback'),
    specVersion: int('spec_version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tasks_repo_issue').on(t.repoId, t.issueNumber),
    index('tasks_parent').on(t.parentTaskId),
    index('tasks_state').on(t.state),
  ],
);

export const COMPLEXITIES = ['low', 'medium', 'high', 'very_high'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

/** Every version of a feature's specification; the approved one is frozen. */
export const taskSpecifications = mysqlTable(
  'task_specifications',
  {
    id: int('id').autoincrement().primaryKey(),
    taskId: int('task_id').notNull(),
    version: int('version').notNull(),
    title: varchar('title', { length: 512 }).notNull().default(''),
    summary: text('summary'),
    goals: json('goals').$type<string[]>().notNull(),
    context: mediumtext('context').notNull(),
    architecture: mediumtext('architecture').notNull(),
    edgeCases: json('edge_cases').$type<string[]>().notNull(),
    acceptanceCriteria: json('acceptance_criteria').$type<string[]>().notNull(),
    estimatedComplexity: varchar('estimated_complexity', { length: 16 }).$type<Complexity>().notNull(),
    assumptions: json('assumptions').$type<string[]>().notNull(),
    changeSummary: text('change_summary'),
    feedback: text('feedback'),
    provider: varchar('provider', { length: 32 }).notNull(),
    model: varchar('model', { length: 128 }),
    approvedBy: varchar('approved_by', { length: 255 }),
    approvedAt: at('approved_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('task_specifications_task_version').on(t.taskId, t.version)],
);

/** The clarifying questions of each round and their answers. */
export const clarificationQuestions = mysqlTable(
  'clarification_questions',
  {
    id: int('id').autoincrement().primaryKey(),
    taskId: int('task_id').notNull(),
    round: int('round').notNull(),
    ordinal: int('ordinal').notNull(),
    question: text('question').notNull(),
    why: text('why').notNull(),
    options: json('options').$type<string[]>().notNull(),
    assumption: text('assumption'), // what the spec assumes if it stays unanswered
    answer: text('answer'),
    answeredBy: varchar('answered_by', { length: 255 }),
    answeredAt: at('answered_at'),
    answerCommentId: bigint('answer_comment_id', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('clarification_questions_task_round_ordinal').on(t.taskId, t.round, t.ordinal)],
);

/** The decomposition of an approved spec; `issueNumber` is set once its issue exists. */
export const subtasks = mysqlTable(
  'subtasks',
  {
    id: int('id').autoincrement().primaryKey(),
    taskId: int('task_id').notNull(), // the parent feature
    specVersion: int('spec_version').notNull(),
    /** Which decomposition of the feature this belongs to (a `/decompose` makes a new one). */
    plan: int('plan').notNull().default(1),
    key: varchar('key', { length: 64 }).notNull(),
    title: varchar('title', { length: 512 }).notNull(),
    description: mediumtext('description').notNull(),
    acceptanceCriteria: json('acceptance_criteria').$type<string[]>().notNull(),
    dependencies: json('dependencies').$type<string[]>().notNull(),
    estimatedTime: varchar('estimated_time', { length: 64 }).notNull(),
    order: int('order').notNull(),
    wave: int('wave').notNull().default(0),
    status: varchar('status', { length: 32 }).notNull().default('pending'),
    issueNumber: int('issue_number'),
    issueId: bigint('issue_id', { mode: 'number' }),
    subtaskTaskId: int('subtask_task_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('subtasks_task_key').on(t.taskId, t.key), index('subtasks_issue').on(t.issueNumber)],
);

/** One attempt of a coding agent at a subtask. */
export const agentRuns = mysqlTable(
  'agent_runs',
  {
    id: int('id').autoincrement().primaryKey(),
    taskId: int('task_id').notNull(), // the subtask's task row
    repoId: int('repo_id').notNull(),
    issueNumber: int('issue_number').notNull(),
    attempt: int('attempt').notNull(),
    runner: varchar('runner', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(), // queued | running | succeeded | failed | cancelled
    externalId: varchar('external_id', { length: 255 }),
    branch: varchar('branch', { length: 255 }).notNull(),
    progressCommentId: bigint('progress_comment_id', { mode: 'number' }),
    prNumber: int('pr_number'),
    exitCode: int('exit_code'),
    result: text('result'),
    logTail: mediumtext('log_tail'),
    costUsd: decimal('cost_usd', { precision: 12, scale: 6 }),
    deadlineAt: at('deadline_at'),
    heartbeatAt: at('heartbeat_at'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('agent_runs_task_attempt').on(t.taskId, t.attempt),
    index('agent_runs_status').on(t.status),
  ],
);

/** Bearer tokens for agents' MCP calls: stored as SHA-256, scoped to one repo and issue. */
export const agentTokens = mysqlTable(
  'agent_tokens',
  {
    id: int('id').autoincrement().primaryKey(),
    runId: int('run_id').notNull(),
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    repoId: int('repo_id').notNull(),
    issueNumber: int('issue_number').notNull(),
    scopes: json('scopes').$type<string[]>().notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('agent_tokens_hash').on(t.tokenHash), index('agent_tokens_run').on(t.runId)],
);

/** Preview environments, one per pull request. */
export const deployments = mysqlTable(
  'deployments',
  {
    id: int('id').autoincrement().primaryKey(),
    repoId: int('repo_id').notNull(),
    prNumber: int('pr_number').notNull(),
    environment: varchar('environment', { length: 128 }).notNull(),
    mode: varchar('mode', { length: 16 }).notNull(),
    image: varchar('image', { length: 512 }),
    sha: varchar('sha', { length: 64 }),
    url: varchar('url', { length: 512 }),
    status: varchar('status', { length: 32 }).notNull(),
    commentId: bigint('comment_id', { mode: 'number' }),
    expiresAt: at('expires_at'),
    tornDownAt: at('torn_down_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('deployments_repo_pr').on(t.repoId, t.prNumber)],
);

/** Releases promoted to an environment through the GitOps repository. */
export const promotions = mysqlTable(
  'promotions',
  {
    id: int('id').autoincrement().primaryKey(),
    repoId: int('repo_id').notNull(),
    environment: varchar('environment', { length: 64 }).notNull(),
    image: varchar('image', { length: 512 }).notNull(),
    previousImage: varchar('previous_image', { length: 512 }),
    causeKey: varchar('cause_key', { length: 191 }).notNull(), // merge sha or command comment id
    kind: varchar('kind', { length: 16 }).notNull(), // promote | rollback
    triggeredBy: varchar('triggered_by', { length: 255 }),
    gitopsCommit: varchar('gitops_commit', { length: 64 }),
    status: varchar('status', { length: 32 }).notNull(),
    syncStatus: varchar('sync_status', { length: 32 }),
    healthStatus: varchar('health_status', { length: 32 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('promotions_cause').on(t.repoId, t.environment, t.causeKey)],
);

/** Every LLM call: tokens, cache use, cost and latency; budgets are summed from here. */
export const llmUsage = mysqlTable(
  'llm_usage',
  {
    id: int('id').autoincrement().primaryKey(),
    repoId: int('repo_id'),
    taskId: int('task_id'),
    provider: varchar('provider', { length: 32 }).notNull(),
    model: varchar('model', { length: 128 }).notNull(),
    purpose: varchar('purpose', { length: 32 }).notNull(), // questions | spec | decompose | repair
    inputTokens: int('input_tokens').notNull().default(0),
    outputTokens: int('output_tokens').notNull().default(0),
    cacheReadTokens: int('cache_read_tokens').notNull().default(0),
    cacheWriteTokens: int('cache_write_tokens').notNull().default(0),
    costUsd: decimal('cost_usd', { precision: 12, scale: 6 }).notNull().default('0'),
    latencyMs: int('latency_ms').notNull().default(0),
    ok: boolean('ok').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('llm_usage_task').on(t.taskId), index('llm_usage_repo').on(t.repoId, t.createdAt)],
);

/**
 * Who did what. `causeKey` (unique when set) is what makes a side effect happen once even when
 * Gitea redelivers the same event under a new delivery id, e.g. `comment:4711:0`.
 */
export const auditLog = mysqlTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).autoincrement().primaryKey(),
    deliveryId: varchar('delivery_id', { length: 64 }),
    repoFullName: varchar('repo_full_name', { length: 255 }),
    issueNumber: int('issue_number'),
    actor: varchar('actor', { length: 255 }),
    command: varchar('command', { length: 64 }).notNull(),
    args: text('args'),
    result: varchar('result', { length: 32 }).notNull(),
    detail: text('detail'),
    causeKey: varchar('cause_key', { length: 191 }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('audit_log_cause').on(t.causeKey),
    index('audit_log_repo_issue').on(t.repoFullName, t.issueNumber),
  ],
);
