import type { Logger } from '../../config/logger.ts';
import type { Database } from '../../db/client.ts';
import { type BudgetLimits, checkBudget, DEFAULT_BUDGET_LIMITS } from '../budget.ts';
import type { CallScope } from '../planner.ts';
import { recordUsage } from '../usage.ts';
import type { ProviderName, Usage, UsagePurpose } from './types.ts';

export interface LedgerEntry {
  scope: CallScope;
  provider: ProviderName;
  model: string;
  purpose: UsagePurpose;
  usage: Usage;
  ok: boolean;
}

/** The money side of every LLM call: budgets before, usage after. */
export interface CallLedger {
  /** Throws BudgetExceededError when the scope's budget is used up. */
  beforeCall(scope: CallScope): Promise<void>;
  afterCall(entry: LedgerEntry): Promise<void>;
}

/** The limits of the repository a call is for (its `.gitea/aiworker.yaml`). */
export type BudgetLimitsLookup = (scope: CallScope) => BudgetLimits | Promise<BudgetLimits>;

/** A ledger over `llm_usage`: budgets are sums of its rows, and every call adds one. */
export function createDbLedger(
  db: Database,
  options: { limitsFor?: BudgetLimitsLookup; logger?: Logger } = {},
): CallLedger {
  const limitsFor = options.limitsFor ?? (() => DEFAULT_BUDGET_LIMITS);
  return {
    async beforeCall(scope) {
      await checkBudget(db, scope, await limitsFor(scope));
    },
    async afterCall(entry) {
      try {
        await recordUsage(db, {
          repoId: entry.scope.repoId,
          taskId: entry.scope.taskId,
          provider: entry.provider,
          model: entry.model,
          purpose: entry.purpose,
          usage: entry.usage,
          ok: entry.ok,
        });
      } catch (error) {
        // The call is already paid for; failing the job now would make a retry pay again.
        // The lost row is logged loudly instead.
        options.logger?.error(
          { err: error, provider: entry.provider, purpose: entry.purpose, costUsd: entry.usage.costUsd },
          'could not record LLM usage',
        );
      }
    },
  };
}
