import type { DbOrTx } from '../db/client.ts';
import { costOfRepoSince, costOfTask } from '../db/usage.ts';
import type { CallScope } from './planner.ts';

/** LLM spending limits in USD, from the repository's `.gitea/aiworker.yaml` (`budgets:`). */
export interface BudgetLimits {
  perIssueUsd: number;
  perRepoMonthlyUsd: number;
}

/** The defaults of the per-repo config, used when a repository sets none. */
export const DEFAULT_BUDGET_LIMITS: BudgetLimits = { perIssueUsd: 5, perRepoMonthlyUsd: 100 };

export interface Spending {
  /** Spent on the task so far (null when the call is not for a task). */
  issueUsd: number | null;
  /** Spent by the repository in the current UTC calendar month (null without a repo). */
  repoMonthUsd: number | null;
}

/** Dollars and cents; below a cent, two significant digits, so a small limit never reads `$0.00`. */
function usd(n: number): string {
  if (n === 0 || n >= 0.01) return `$${n.toFixed(2)}`;
  const decimals = Math.min(6, 1 - Math.floor(Math.log10(n))); // llm_usage keeps 6 decimals
  return `$${Number(n.toFixed(decimals))}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** A budget is used up: refused before the call, with a message fit for an issue comment. */
export class BudgetExceededError extends Error {
  readonly budget: 'issue' | 'repo_month';
  readonly spentUsd: number;
  readonly limitUsd: number;

  constructor(budget: 'issue' | 'repo_month', spentUsd: number, limitUsd: number, now: Date) {
    const where = 'in `.gitea/aiworker.yaml` on the default branch';
    const message =
      budget === 'issue'
        ? `The AI budget for this issue is used up: ${usd(spentUsd)} spent of the ${usd(limitUsd)} per-issue limit, ` +
          `so AiWorker did not call the model. To continue, raise \`budgets.perIssueUsd\` ${where}, then repeat the command.`
        : `This repository's monthly AI budget is used up: ${usd(spentUsd)} spent in ` +
          `${MONTHS[now.getUTCMonth()]} ${now.getUTCFullYear()} (UTC) of the ${usd(limitUsd)} limit, so AiWorker did ` +
          `not call the model. It resets on the 1st of next month; to continue sooner, raise ` +
          `\`budgets.perRepoMonthlyUsd\` ${where}, then repeat the command.`;
    super(message);
    this.name = 'BudgetExceededError';
    this.budget = budget;
    this.spentUsd = spentUsd;
    this.limitUsd = limitUsd;
  }
}

/** Throws BudgetExceededError when what is already spent reaches a limit (pure). */
export function assertWithinBudget(spending: Spending, limits: BudgetLimits, now: Date): void {
  if (spending.issueUsd !== null && spending.issueUsd >= limits.perIssueUsd) {
    throw new BudgetExceededError('issue', spending.issueUsd, limits.perIssueUsd, now);
  }
  if (spending.repoMonthUsd !== null && spending.repoMonthUsd >= limits.perRepoMonthlyUsd) {
    throw new BudgetExceededError('repo_month', spending.repoMonthUsd, limits.perRepoMonthlyUsd, now);
  }
}

/** Sums `llm_usage.cost_usd` for the task, and for the repository since the start of the UTC month. */
export async function loadSpending(db: DbOrTx, scope: CallScope, now: Date): Promise<Spending> {
  return {
    issueUsd: scope.taskId === null ? null : await costOfTask(db, scope.taskId),
    repoMonthUsd: scope.repoId === null ? null : await costOfRepoSince(db, scope.repoId, monthStartUtc(now)),
  };
}

/** Checked before every LLM call: throws BudgetExceededError when a budget is used up. */
export async function checkBudget(
  db: DbOrTx,
  scope: CallScope,
  limits: BudgetLimits,
  now: Date = new Date(),
): Promise<Spending> {
  const spending = await loadSpending(db, scope, now);
  assertWithinBudget(spending, limits, now);
  return spending;
}
