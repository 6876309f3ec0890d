import type { Redis } from 'ioredis';
import type { Logger } from '../config/logger.ts';
import { PermanentError } from '../domain/errors.ts';
import { statusLabel } from '../domain/labels.ts';
import type { IssueRef } from '../domain/payloads.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { MarkerRef } from '../gitea/markers.ts';

/**
 * Every comment the bot writes goes through here: idempotent by marker (`comments.ensure`), and
 * counted per issue per hour. Past the cap the loop breaker trips: the issue is labelled
 * `ai-status/failed` with one comment saying why, and further comments are refused until the
 * hour is over — a bot that talks to itself must not flood an issue.
 */

export type CommentGitea = GiteaPick<{ comments: 'ensure'; labels: 'add' }>;

export class LoopBreakerTripped extends PermanentError {
  constructor(readonly issue: string) {
    super(`the loop breaker is tripped on ${issue}: too many bot comments this hour`);
    this.name = 'LoopBreakerTripped';
  }
}

export interface CommentWriterOptions {
  gitea: CommentGitea;
  redis: Redis;
  keyPrefix: string;
  perHour: number;
  log: Logger;
  now?: () => number;
}

export class CommentWriter {
  private readonly now: () => number;
  constructor(private readonly options: CommentWriterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Creates or updates the comment carrying `marker`; returns its id. */
  async ensure(issue: IssueRef, marker: MarkerRef, body: string): Promise<number> {
    const key = this.windowKey(issue);
    const used = Number((await this.options.redis.get(key)) ?? 0);
    // Checked before writing, so a runaway loop stops before it exceeds the cap. Only created
    // comments count; edits of existing ones are free while the breaker is not tripped.
    if (used >= this.options.perHour) {
      await this.trip(issue);
      throw new LoopBreakerTripped(`${issue.owner}/${issue.repo}#${issue.number}`);
    }
    const result = await this.options.gitea.comments.ensure(
      issue.owner,
      issue.repo,
      issue.number,
      marker,
      body,
    );
    if (result.created) {
      const count = await this.options.redis.incr(key);
      if (count === 1) await this.options.redis.expire(key, 2 * 60 * 60);
      if (count >= this.options.perHour) await this.trip(issue);
    }
    return result.id;
  }

  private windowKey(issue: IssueRef): string {
    const hour = Math.floor(this.now() / 3_600_000);
    return `${this.options.keyPrefix}:breaker:${issue.owner}/${issue.repo}#${issue.number}:${hour}`;
  }

  private async trip(issue: IssueRef): Promise<void> {
    const flag = `${this.windowKey(issue)}:tripped`;
    if ((await this.options.redis.set(flag, '1', 'EX', 2 * 60 * 60, 'NX')) !== 'OK') return;
    this.options.log.warn({ issue }, 'loop breaker tripped');
    await this.options.gitea.labels.add(issue.owner, issue.repo, issue.number, [statusLabel('failed')]);
    await this.options.gitea.comments.ensure(
      issue.owner,
      issue.repo,
      issue.number,
      { kind: 'breaker', attrs: { hour: Math.floor(this.now() / 3_600_000) } },
      [
        '### ⛔ AiWorker paused on this issue',
        '',
        `AiWorker wrote ${this.options.perHour} comments here within an hour, which looks like a loop, so it stopped commenting for the rest of the hour.`,
        'Commands are still recorded; comments resume after the hour, with the next command or `/status`. If this keeps happening, please tell whoever runs AiWorker here.',
      ].join('\n'),
    );
  }
}
