import { notFound, unprocessable } from '../errors.ts';
import type { HookRecord, RepoRecord } from '../state.ts';
import { hookEventsFromApi } from '../webhooks.ts';
import type { World } from '../world.ts';

/** Repository webhooks (routers/api/v1/utils/hook.go). */

const HOOK_TYPES = [
  'dingtalk',
  'discord',
  'gitea',
  'gogs',
  'msteams',
  'slack',
  'telegram',
  'feishu',
  'wechatwork',
  'packagist',
  'matrix',
];

function contentType(value: string): 'json' | 'form' {
  if (value === 'json' || value === 'form') return value;
  throw unprocessable('Invalid content type');
}

export function createHook(
  world: World,
  repo: RepoRecord,
  opts: {
    type: string;
    config: Record<string, string>;
    events?: string[] | null;
    active?: boolean;
    branchFilter?: string;
    authorizationHeader?: string;
    name?: string;
  },
): HookRecord {
  if (!HOOK_TYPES.includes(opts.type)) throw unprocessable(`Invalid hook type: ${opts.type}`);
  for (const key of ['url', 'content_type']) {
    if (!(key in opts.config)) throw unprocessable(`Missing config option: ${key}`);
  }
  const now = world.state.now();
  const hook: HookRecord = {
    id: world.state.nextId('hook'),
    repoId: repo.id,
    type: opts.type,
    name: opts.name ?? '',
    url: opts.config.url ?? '',
    contentType: contentType(opts.config.content_type ?? ''),
    secret: opts.config.secret ?? '',
    events: opts.events === null ? null : hookEventsFromApi(opts.events ?? []),
    active: opts.active ?? false,
    branchFilter: opts.branchFilter || '*',
    authorizationHeader: opts.authorizationHeader ?? '',
    createdAt: now,
    updatedAt: now,
  };
  repo.hooks.set(hook.id, hook);
  return hook;
}

export function editHook(
  world: World,
  hook: HookRecord,
  opts: {
    config?: Record<string, string>;
    events?: string[];
    active?: boolean;
    branchFilter?: string;
    authorizationHeader?: string;
    name?: string;
  },
): HookRecord {
  if (opts.name !== undefined) hook.name = opts.name;
  if (opts.config) {
    if (opts.config.url !== undefined) hook.url = opts.config.url;
    if (opts.config.content_type !== undefined) hook.contentType = contentType(opts.config.content_type);
    if (opts.config.secret !== undefined) hook.secret = opts.config.secret;
  }
  // editHook always rewrites the event set: an absent list means push only.
  hook.events = hookEventsFromApi(opts.events ?? []);
  if (opts.branchFilter !== undefined) hook.branchFilter = opts.branchFilter || '*';
  if (opts.authorizationHeader !== undefined) hook.authorizationHeader = opts.authorizationHeader;
  if (opts.active !== undefined) hook.active = opts.active;
  hook.updatedAt = world.state.now();
  return hook;
}

export function mustHook(repo: RepoRecord, id: number): HookRecord {
  const hook = repo.hooks.get(id);
  if (!hook) throw notFound(`webhook does not exist [id: ${id}]`);
  return hook;
}
