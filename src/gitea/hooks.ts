import { GiteaNotFoundError } from './errors.ts';
import { findOrCreate } from './find-or-create.ts';
import { readAllPages, readBody, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type EnsureOutcome, type GiteaHook, toHook } from './types.ts';
import {
  type DesiredWebhook,
  hookUrlFor,
  planWebhook,
  type ReplaceReason,
  webhookName,
  webhookSettingsMatch,
} from './webhook-spec.ts';

/** A repository's webhooks, and `ensure`: the one webhook to AiWorker with the current secret. */

export interface HookInput {
  url: string;
  secret: string;
  events: readonly string[];
  contentType?: 'json' | 'form';
  active?: boolean;
  name?: string;
}

export interface EnsureWebhookInput {
  url: string;
  secret: string;
  events: readonly string[];
  contentType?: 'json' | 'form';
}

/** A hook edit: Gitea ignores `config.secret` there, so there is none to send. */
export type HookEdit = Omit<HookInput, 'secret'>;

export type EnsureWebhookResult =
  | { hook: GiteaHook; outcome: EnsureOutcome }
  | { hook: GiteaHook; outcome: 'replaced'; reason: ReplaceReason };

export class GiteaHooks {
  constructor(private readonly t: GiteaTransport) {}

  async list(owner: string, repo: string): Promise<GiteaHook[]> {
    return readAllPages(
      this.t,
      (page, limit, p) => this.t.api.repos.repoListHooks(seg(owner), seg(repo), { page, limit }, p),
      toHook,
    );
  }

  /** Creates a `gitea` webhook; not idempotent on its own — see `ensure`. */
  private async create(owner: string, repo: string, input: HookInput): Promise<GiteaHook> {
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.repos.repoCreateHook(
        seg(owner),
        seg(repo),
        {
          type: 'gitea',
          active: input.active ?? true,
          events: [...input.events],
          config: { url: input.url, content_type: input.contentType ?? 'json', secret: input.secret },
          // `name` is in Gitea 1.26's CreateHookOption; gitea-js 1.23 predates it.
          ...(input.name === undefined ? {} : { name: input.name }),
        },
        p,
      ),
    );
    return readBody(this.t, response, toHook);
  }

  /**
   * Edits a webhook. Gitea's editHook (routers/api/v1/utils/hook.go) never changes the secret,
   * and replaces the event list, branch filter and authorization header with what is sent.
   */
  private async edit(owner: string, repo: string, id: number, input: HookEdit): Promise<GiteaHook> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoEditHook(
        seg(owner),
        seg(repo),
        id,
        {
          active: input.active ?? true,
          events: [...input.events],
          config: { url: input.url, content_type: input.contentType ?? 'json' },
          ...(input.name === undefined ? {} : { name: input.name }),
        },
        p,
      ),
    );
    return readBody(this.t, response, toHook);
  }

  /**
   * The repository's webhook to `url`, with the current secret: created when missing; edited
   * when only its events, content type or active flag differ; left alone when everything is
   * right. A hook whose secret is not known to be the current one (another fingerprint, or
   * none: see webhook-spec.ts) is replaced, because Gitea cannot change a hook's secret in
   * place: the new hook is created first and the old one deleted after, so no event goes
   * undelivered. Other hooks to the same endpoint are deleted.
   */
  async ensure(owner: string, repo: string, input: EnsureWebhookInput): Promise<EnsureWebhookResult> {
    const desired: DesiredWebhook = { ...input, contentType: input.contentType ?? 'json' };
    const hookInput: HookInput = {
      ...desired,
      url: hookUrlFor(desired.url, desired.secret),
      active: true,
      name: webhookName(desired.secret),
    };
    const before = await this.list(owner, repo);
    const plan = planWebhook(before, desired);
    switch (plan.action) {
      case 'keep':
      case 'edit': {
        const hook =
          plan.action === 'edit' ? await this.edit(owner, repo, plan.hook.id, hookInput) : plan.hook;
        for (const stale of plan.stale) await this.delete(owner, repo, stale.id);
        const changed = plan.action === 'edit' || plan.stale.length > 0;
        return { hook, outcome: changed ? 'updated' : 'unchanged' };
      }
      case 'replace': {
        const replacement = await this.createOnce(owner, repo, hookInput, before);
        for (const old of plan.old) await this.delete(owner, repo, old.id);
        return { hook: replacement, outcome: 'replaced', reason: plan.reason };
      }
      case 'create':
        return { hook: await this.createOnce(owner, repo, hookInput, before), outcome: 'created' };
    }
  }

  /** Deletes a webhook; one that is already gone counts as deleted. */
  async delete(owner: string, repo: string, id: number): Promise<void> {
    try {
      await this.t.call('idempotent', (p) => this.t.api.repos.repoDeleteHook(seg(owner), seg(repo), id, p));
    } catch (error) {
      if (!(error instanceof GiteaNotFoundError)) throw error;
    }
  }

  /**
   * Creates the hook (and makes it deliver what is asked for). After an ambiguous failure it
   * looks for a hook to the URL (which carries the secret's fingerprint) that was not there
   * `before` instead of creating another.
   */
  private async createOnce(
    owner: string,
    repo: string,
    input: HookInput,
    before: readonly GiteaHook[],
  ): Promise<GiteaHook> {
    const existed = new Set(before.map((hook) => hook.id));
    const result = await findOrCreate(
      {
        find: async (round) =>
          round === 1
            ? undefined
            : (await this.list(owner, repo)).find((hook) => hook.url === input.url && !existed.has(hook.id)),
        create: () => this.create(owner, repo, input),
      },
      this.t,
    );
    const created = result.value;
    if (webhookSettingsMatch(created, { ...input, contentType: input.contentType ?? 'json' })) return created;
    return this.edit(owner, repo, created.id, input);
  }
}
