import type { LabelSpec } from '../domain/labels.ts';
import { GiteaNotFoundError } from './errors.ts';
import { findOrCreate } from './find-or-create.ts';
import { readAllPages, readBody, repoKey, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { TtlCache } from './ttl-cache.ts';
import { type EnsureOutcome, type GiteaLabel, normaliseColor, toLabel } from './types.ts';

/**
 * A repository's labels and the labels of its issues. Label names are turned into ids through
 * a short-lived cache of the repository's list, refreshed once when a name is missing.
 */

export interface LabelInput {
  name: string;
  /** Six hex digits, with or without `#`. */
  color: string;
  description?: string;
  exclusive?: boolean;
}

export interface EnsureLabelsResult {
  /** Label name → id, for every spec. */
  ids: Record<string, number>;
  outcomes: Array<{ name: string; outcome: EnsureOutcome }>;
}

function labelMatchesSpec(label: GiteaLabel, spec: LabelSpec): boolean {
  return (
    label.color === normaliseColor(spec.color) &&
    label.exclusive === spec.exclusive &&
    label.description === spec.description &&
    !label.isArchived
  );
}

export class GiteaLabels {
  private readonly cache: TtlCache<GiteaLabel[]>;

  constructor(
    private readonly t: GiteaTransport,
    options: { ttlMs: number; now: () => number },
  ) {
    this.cache = new TtlCache(options.ttlMs, options.now);
  }

  /** Every label of the repository (not the organisation's), every page. */
  async list(owner: string, repo: string): Promise<GiteaLabel[]> {
    const labels = await readAllPages(
      this.t,
      (page, limit, p) => this.t.api.repos.issueListLabels(seg(owner), seg(repo), { page, limit }, p),
      toLabel,
    );
    this.cache.set(repoKey(owner, repo), labels);
    return labels;
  }

  private async create(owner: string, repo: string, input: LabelInput): Promise<GiteaLabel> {
    this.cache.delete(repoKey(owner, repo));
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.repos.issueCreateLabel(
        seg(owner),
        seg(repo),
        {
          name: input.name,
          color: `#${normaliseColor(input.color)}`,
          description: input.description ?? '',
          exclusive: input.exclusive ?? false,
        },
        p,
      ),
    );
    return readBody(this.t, response, toLabel);
  }

  private async edit(
    owner: string,
    repo: string,
    id: number,
    changes: Partial<LabelInput> & { isArchived?: boolean },
  ): Promise<GiteaLabel> {
    this.cache.delete(repoKey(owner, repo));
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditLabel(
        seg(owner),
        seg(repo),
        id,
        {
          name: changes.name,
          color: changes.color === undefined ? undefined : `#${normaliseColor(changes.color)}`,
          description: changes.description,
          exclusive: changes.exclusive,
          is_archived: changes.isArchived,
        },
        p,
      ),
    );
    return readBody(this.t, response, toLabel);
  }

  /**
   * Makes the repository have these labels: creates the missing ones, corrects color,
   * description and exclusivity of the others (and un-archives them). Idempotent.
   */
  async ensure(owner: string, repo: string, specs: readonly LabelSpec[]): Promise<EnsureLabelsResult> {
    const names = new Set<string>();
    for (const spec of specs) {
      if (names.has(spec.name)) throw new Error(`label "${spec.name}" is listed twice`);
      if (!/^#?[0-9a-f]{6}$/i.test(spec.color)) {
        throw new Error(
          `label "${spec.name}" has color "${spec.color}"; expected six hex digits like 0e8a16`,
        );
      }
      names.add(spec.name);
    }
    let snapshot = await this.list(owner, repo);
    const ids: Record<string, number> = {};
    const outcomes: EnsureLabelsResult['outcomes'] = [];
    for (const spec of specs) {
      const existing = snapshot.find((label) => label.name === spec.name);
      let label: GiteaLabel;
      let outcome: EnsureOutcome;
      if (!existing) {
        const result = await findOrCreate(
          {
            find: async (round) => {
              if (round === 1) return undefined;
              snapshot = await this.list(owner, repo);
              return snapshot.find((l) => l.name === spec.name);
            },
            create: () => this.create(owner, repo, spec),
          },
          this.t,
        );
        label = result.value;
        outcome = 'created';
        if (!labelMatchesSpec(label, spec)) {
          label = await this.edit(owner, repo, label.id, { ...spec, isArchived: false });
        }
      } else if (!labelMatchesSpec(existing, spec)) {
        label = await this.edit(owner, repo, existing.id, { ...spec, isArchived: false });
        outcome = 'updated';
      } else {
        label = existing;
        outcome = 'unchanged';
      }
      ids[spec.name] = label.id;
      outcomes.push({ name: spec.name, outcome });
    }
    if (outcomes.some((o) => o.outcome !== 'unchanged')) this.cache.delete(repoKey(owner, repo));
    return { ids, outcomes };
  }

  /** Adds labels by name; returns the issue's labels afterwards. Adding a present label is a no-op. */
  async add(owner: string, repo: string, number: number, names: string[]): Promise<GiteaLabel[]> {
    const ids = await this.ids(owner, repo, names);
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueAddLabel(seg(owner), seg(repo), number, { labels: ids }, p),
    );
    return readBody(this.t, response, (labels) => labels.map(toLabel));
  }

  /** Removes a label by name; a label the repository does not have is already absent. */
  async remove(owner: string, repo: string, number: number, name: string): Promise<void> {
    const label = await this.find(owner, repo, name);
    if (!label) return;
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueRemoveLabel(seg(owner), seg(repo), number, label.id, p),
    );
  }

  /** Label names → ids, from a short-lived cache refreshed once when a name is missing. */
  async ids(owner: string, repo: string, names: string[]): Promise<number[]> {
    let labels = this.cache.get(repoKey(owner, repo)) ?? (await this.list(owner, repo));
    const missing = (list: GiteaLabel[]) =>
      names.filter((name) => !list.some((label) => label.name === name));
    if (missing(labels).length > 0) labels = await this.list(owner, repo);
    const stillMissing = missing(labels);
    if (stillMissing.length > 0) {
      throw new GiteaNotFoundError({
        status: 404,
        method: 'GET',
        path: `/repos/${seg(owner)}/${seg(repo)}/labels`,
        giteaMessage: `no label named ${stillMissing.map((n) => `"${n}"`).join(', ')} in ${owner}/${repo} (run \`aiworker setup --repo ${owner}/${repo}\`)`,
      });
    }
    return names.map((name) => labels.find((label) => label.name === name)!.id);
  }

  private async find(owner: string, repo: string, name: string): Promise<GiteaLabel | undefined> {
    const cached = this.cache.get(repoKey(owner, repo));
    const hit = cached?.find((label) => label.name === name);
    if (hit) return hit;
    return (await this.list(owner, repo)).find((label) => label.name === name);
  }
}
