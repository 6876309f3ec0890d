import { parseAllDocuments } from 'yaml';
import type { RecordedRequest } from './server.ts';
import { parseRoute } from './server.ts';

/**
 * The RBAC rules a client needs for the requests it made, derived the way the API server's
 * authorizer names them (apiserver/pkg/endpoints/request/requestinfo.go): GET of an object →
 * `get`, of a collection → `list` (`watch` with `?watch=true`), POST → `create`, PUT →
 * `update`, PATCH → `patch`, DELETE → `delete`. A server-side apply is a PATCH that also
 * needs `create` where it may create the object (Kubernetes docs, Server-Side Apply,
 * "Access control and permissions"). Subresources are `resource/subresource` (`pods/log`).
 */

export interface RbacRule {
  apiGroup: string;
  resource: string;
  verbs: string[];
}

export function rbacRules(requests: RecordedRequest[]): RbacRule[] {
  const rules = new Map<string, Set<string>>();
  for (const request of requests) {
    const route = parseRoute(request.path);
    if (!route) continue;
    const resource = route.subresource ? `${route.type.resource}/${route.subresource}` : route.type.resource;
    const key = `${route.type.group}|${resource}`;
    const verbs = rules.get(key) ?? new Set<string>();
    switch (request.method) {
      case 'GET':
        verbs.add(route.name === null ? (request.query.watch === 'true' ? 'watch' : 'list') : 'get');
        break;
      case 'POST':
        verbs.add('create');
        break;
      case 'PUT':
        verbs.add('update');
        break;
      case 'PATCH':
        verbs.add('patch');
        if (request.contentType === 'application/apply-patch+yaml') verbs.add('create');
        break;
      case 'DELETE':
        verbs.add(route.name === null ? 'deletecollection' : 'delete');
        break;
      default:
        break;
    }
    rules.set(key, verbs);
  }
  return [...rules.entries()]
    .map(([key, verbs]) => {
      const [apiGroup, resource] = key.split('|') as [string, string];
      return { apiGroup, resource, verbs: [...verbs].sort() };
    })
    .sort((a, b) => `${a.apiGroup}/${a.resource}`.localeCompare(`${b.apiGroup}/${b.resource}`));
}

/**
 * The rules of a Role or ClusterRole named `name` in a Markdown document's YAML blocks, in
 * the same form as rbacRules (one entry per API group and resource), to hold documentation
 * to the calls the code makes.
 */
export function documentedRules(markdown: string, names: string[]): RbacRule[] {
  const rules = new Map<string, Set<string>>();
  for (const block of markdown.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    for (const document of parseAllDocuments(block[1]!)) {
      const object = document.toJS() as {
        kind?: string;
        metadata?: { name?: string };
        rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
      } | null;
      if (!object || (object.kind !== 'Role' && object.kind !== 'ClusterRole')) continue;
      if (!names.includes(object.metadata?.name ?? '')) continue;
      for (const rule of object.rules ?? []) {
        for (const apiGroup of rule.apiGroups) {
          for (const resource of rule.resources) {
            const key = `${apiGroup}|${resource}`;
            const verbs = rules.get(key) ?? new Set<string>();
            for (const verb of rule.verbs) verbs.add(verb);
            rules.set(key, verbs);
          }
        }
      }
    }
  }
  return [...rules.entries()]
    .map(([key, verbs]) => {
      const [apiGroup, resource] = key.split('|') as [string, string];
      return { apiGroup, resource, verbs: [...verbs].sort() };
    })
    .sort((a, b) => `${a.apiGroup}/${a.resource}`.localeCompare(`${b.apiGroup}/${b.resource}`));
}
