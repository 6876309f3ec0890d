import { prng } from './prng.ts';
import type { FailureRateOptions, FailureRule } from './types.ts';

/**
 * Failure injection for resilience tests. A failing request normally never reaches the fake's
 * state (as if Gitea never saw it); an after-effect failure applies the change and its webhooks
 * and still answers with the failure. Random failures use a seeded PRNG so runs repeat.
 */

export interface InjectedFailure {
  status: number | 'timeout';
  afterEffect: boolean;
  hangMs: number;
}

const DEFAULT_HANG_MS = 10_000;

interface PendingRule {
  rule: FailureRule;
  remaining: number;
}

export class FailureInjector {
  private rules: PendingRule[] = [];
  private rate = 0;
  private rateOptions: Required<Omit<FailureRateOptions, 'path'>> & { path?: RegExp } = {
    statuses: [500, 502, 503],
    seed: 1,
    afterEffectShare: 0,
  };
  private random: () => number = prng(1);

  failNext(rule: FailureRule): void {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error('Gitea fake: failNext times must be a positive integer');
    this.rules.push({ rule, remaining: times });
  }

  setFailureRate(rate: number, opts: FailureRateOptions = {}): void {
    if (!(rate >= 0 && rate <= 1))
      throw new Error(`Gitea fake: failure rate must be within 0..1, got ${rate}`);
    this.rate = rate;
    this.rateOptions = {
      statuses: opts.statuses && opts.statuses.length > 0 ? opts.statuses : [500, 502, 503],
      seed: opts.seed ?? 1,
      afterEffectShare: opts.afterEffectShare ?? 0,
      ...(opts.path ? { path: opts.path } : {}),
    };
    this.random = prng(this.rateOptions.seed);
  }

  clear(): void {
    this.rules = [];
    this.rate = 0;
  }

  /** Decides whether this request fails; consumes one use of the first matching rule. */
  decide(method: string, path: string): InjectedFailure | undefined {
    const pending = this.rules.find(
      ({ rule }) =>
        (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
        (rule.path === undefined || rule.path.test(path)),
    );
    if (pending) {
      pending.remaining--;
      if (pending.remaining <= 0) this.rules = this.rules.filter((p) => p !== pending);
      return {
        status: pending.rule.status ?? 500,
        afterEffect: pending.rule.afterEffect ?? false,
        hangMs: pending.rule.hangMs ?? DEFAULT_HANG_MS,
      };
    }
    if (this.rate <= 0) return undefined;
    if (this.rateOptions.path && !this.rateOptions.path.test(path)) return undefined;
    if (this.random() >= this.rate) return undefined;
    const { statuses, afterEffectShare } = this.rateOptions;
    const status = statuses[Math.floor(this.random() * statuses.length)] ?? 500;
    return { status, afterEffect: this.random() < afterEffectShare, hangMs: DEFAULT_HANG_MS };
  }
}
