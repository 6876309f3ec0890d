/**
 * The contract between the dispatcher and the places agents run (docs/architecture.md §5, and §2 on the agent's environment). A runner
 * starts one process per agent run, can stop it, and reports how it ended; the dispatcher
 * never knows whether that was a Kubernetes Job or a local child process.
 */

/** Exactly the variables an agent process gets (docs/architecture.md §2); nothing else about the task. */
export interface AgentEnvironment {
  AIWORKER_MCP_URL: string;
  AIWORKER_MCP_TOKEN: string;
  /** `owner/repo#number` of the subtask. */
  AIWORKER_TASK: string;
  AIWORKER_RUN_ID: string;
  GITEA_URL: string;
  AIWORKER_GIT_TOKEN: string;
  /** `ai/<number>-<slug>` */
  AIWORKER_BRANCH: string;
}

export interface AgentRunSpec {
  runId: number;
  /** `owner/name` */
  repo: string;
  issueNumber: number;
  /** Attempt number of this subtask (1, 2, … after /retry). */
  attempt: number;
  /** Clone URL over HTTP(S) without credentials; the runner adds AIWORKER_GIT_TOKEN. */
  cloneUrl: string;
  defaultBranch: string;
  env: AgentEnvironment;
  /** Hard limit; the run is killed and failed when it is exceeded. */
  deadlineSeconds: number;
}

export type RunPhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunStatus {
  phase: RunPhase;
  exitCode?: number;
  /** Why it ended, in words a user understands (e.g. "DeadlineExceeded: ran longer than 3600 s"). */
  message?: string;
  /** The last lines of the agent's output (at most ~50 lines / 8 KB), secrets removed. */
  logTail?: string;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface RunHandle {
  /** Job name or local process key; stored in agent_runs.external_id. */
  externalId: string;
}

export interface AgentRunner {
  readonly kind: 'kubernetes' | 'local';
  /** Starts the run. Idempotent by runId: starting a run that already exists returns its handle. */
  start(spec: AgentRunSpec): Promise<RunHandle>;
  /** Stops the run if it is still going; stopping a finished or unknown run is a no-op. */
  cancel(externalId: string): Promise<void>;
  /** Current status; `null` when the runner knows nothing of it (deleted, or lost with a restart). */
  status(externalId: string): Promise<RunStatus | null>;
  /** Runs this runner still knows about (to re-attach after the bot restarts). */
  list(): Promise<Array<{ externalId: string; runId: number; status: RunStatus }>>;
  /** Calls back on every phase change until the returned function is called. */
  watch(onChange: (externalId: string, runId: number, status: RunStatus) => void): () => void;
  /** Releases watches, timers and child processes handles (not the runs themselves). */
  close(): Promise<void>;
}
