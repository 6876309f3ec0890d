import { notFound, unprocessable } from '../errors.ts';
import type { HookRecord, RepoRecord } from '../state.ts';
import { hooksHaveNames } from '../version.ts';
import { hookEventsFromApi } from '../webhooks.ts';
import type { World } from '../world.ts';

/**
 * Repository webhooks (routers/api/v1/utils/hook.go `addHook`, `editHook`; the same in 1.24.7,
 * 1.25.4 and 1.26.3 except for `name`, which only 1.26 stores).
 */

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
    name: hooksHaveNames(world.state.version) ? (opts.name ?? '').trim() : '',
    url: opts.config.url ?? '',
    contentType: contentType(opts.config.content_type ?? ''),
    secret: opts.config.secret ?? '',
    events: opts.events === null ? null : hookEventsFromApi(opts.events ?? [], world.state.version),
    active: opts.active ?? false,
    branchFilter: opts.branchFilter ?? '',
    authorizationHeader: opts.authorizationHeader ?? '',
    createdAt: now,
    updatedAt: now,
  };
  repo.hooks.set(hook.id, hook);
  return hook;
}

/**
 * editHook: `config.url` and `config.content_type` change only when given, `config.secret` is
 * never read (a hook's secret cannot be changed through the API), the event list, branch filter
 * and authorization header are always replaced by what the form holds (absent means push only,
 * no filter, no header), `active` changes only when given, and `name` (1.26) only when given.
 */
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
  if (opts.config) {
    if (opts.config.url !== undefined) hook.url = opts.config.url;
    if (opts.config.content_type !== undefined) hook.contentType = contentType(opts.config.content_type);
  }
  hook.events = hookEventsFromApi(opts.events ?? [], world.state.version);
  hook.branchFilter = opts.branchFilter ?? '';
  hook.authorizationHeader = opts.authorizationHeader ?? '';
  if (opts.active !== undefined) hook.active = opts.active;
  if (opts.name !== undefined && hooksHaveNames(world.state.version)) hook.name = opts.name.trim();
  hook.updatedAt = world.state.now();
  return hook;
}

export function mustHook(repo: RepoRecord, id: number): HookRecord {
  const hook = repo.hooks.get(id);
  if (!hook) throw notFound(`webhook does not exist [id: ${id}]`);
  return hook;
}
