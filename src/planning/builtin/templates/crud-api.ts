import { slugify } from '../text.ts';
import { freeTextTopic, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, dataLines, gwt, hasUi, schemaChange, testedBy, uiTestTool } from './wording.ts';

const fields = freeTextTopic({
  id: 'fields',
  label: 'Fields',
  key: true,
  given:
    /\b(fields?|columns?|attributes?|properties)\s*(:|are|include|such as)|\bwith (a |an )?(name|title|email|price|status)\b[^.]{0,40},/,
  question: (ctx) => `Which fields does a ${ctx.names.one} have, and which are required or unique?`,
  why: (ctx) =>
    `The fields decide the ${ctx.stack.migrationTool ? `${ctx.stack.migrationTool} migration` : 'storage'}, validation and every response; changing them after release needs another migration and API versioning.`,
  assumption: (ctx) =>
    `a ${ctx.names.one} has a required name (≤ 200 chars), an optional description, and created/updated timestamps`,
  examples: (ctx) => [
    `name (required, unique), description, status`,
    `name, price (decimal), ${ctx.names.one} owner`,
  ],
});

const access: Topic = {
  id: 'access',
  label: 'Who can see and change it',
  key: true,
  choices: [
    {
      value: 'owner',
      short: 'Owner only',
      option: (ctx) => `Each user sees and edits only their own ${ctx.names.many}`,
      match: /\b(own|owner|their own|per[- ]user|private)\b/,
    },
    {
      value: 'team',
      short: 'Shared within the organisation',
      option: () => 'Everyone in the same organisation/team',
      match: /\b(team|organi[sz]ation|tenant|workspace|company)\b/,
    },
    {
      value: 'admin',
      short: 'All read, admins write',
      option: () => 'All signed-in users read; only admins write',
      match: /\badmins? (only )?(write|edit|manage)\b|\bonly admins\b|\bread[- ]only for users\b/,
    },
    {
      value: 'public',
      short: 'Public read',
      option: () => 'Public read, signed-in users write',
      match: /\bpublic(ly)?\b|\banonymous\b/,
    },
  ],
  fallback: () => ['owner'],
  question: (ctx) => `Who can see and change ${ctx.names.many}?`,
  why: () =>
    'Authorization is the most common hole in CRUD endpoints: it decides the filter on every list query and the check on every write.',
  assumption: (ctx) =>
    `each ${ctx.names.one} belongs to the user who created it; only that user can read or change it`,
};

const deletion: Topic = {
  id: 'delete',
  label: 'Deletion',
  subject: /\bdelet(e|ion|ing)\b/,
  choices: [
    {
      value: 'soft',
      short: 'Soft delete',
      option: () => 'Soft delete (archived, restorable)',
      match: /\bsoft[- ]delet(e|ion)\b|\barchiv(e|ed|ing)\b|\brestor(e|able)\b|\btrash\b/,
    },
    {
      value: 'hard',
      short: 'Hard delete',
      option: () => 'Hard delete (row removed)',
      match: /\bhard[- ]delet(e|ion)\b|\bpermanent(ly)? delet/,
    },
    {
      value: 'none',
      short: 'No deletion',
      option: () => 'No deletion at all',
      match: /\bcannot be deleted\b|\bno delet(e|ion)\b/,
      off: true,
    },
  ],
  fallback: () => ['soft'],
  question: (ctx) => `Should deleting a ${ctx.names.one} remove it for good, or archive it (soft delete)?`,
  why: () =>
    'Soft delete keeps history and allows undo but every query must exclude archived rows; hard delete must decide what happens to rows that reference it.',
  assumption: () => 'soft delete: an `archived_at` timestamp, hidden from lists, restorable by its owner',
};

const listing: Topic = {
  id: 'listing',
  label: 'Listing',
  choices: [
    {
      value: 'offset',
      short: 'Page/limit pagination',
      option: () => 'Page numbers (`?page=2&limit=50`)',
      match: /\boffset\b|\bpage numbers?\b|\bpage=|\bpaginat(e|ion) by page\b/,
    },
    {
      value: 'cursor',
      short: 'Cursor pagination',
      option: () => 'Cursor (`?after=…`; stable under inserts, for large tables)',
      match: /\bcursor\b|\binfinite scroll\b|\bkeyset\b/,
    },
  ],
  fallback: () => ['offset'],
  question: (ctx) => `How will clients page through ${ctx.names.many}: page numbers or cursors?`,
  why: () =>
    'Cursor pagination stays fast and consistent on large tables; page numbers are simpler and allow “jump to page 7”.',
  assumption: () => 'page/limit pagination (default 50, max 200), sorted by creation date, newest first',
};

const screens: Topic = {
  id: 'screens',
  label: 'Screens',
  choices: [
    {
      value: 'ui',
      short: 'List and edit screens',
      option: (ctx) => `API plus list/create/edit screens in the ${ctx.stack.frontendName} app`,
      match: /\b(screens?|pages?|ui|forms?|frontend)\b/,
    },
    {
      value: 'api',
      short: 'API only',
      option: () => 'API only (no screens in this work)',
      match: /\bapi only\b|\bno (ui|screens|frontend)\b|\bbackend only\b/,
      off: true,
    },
  ],
  fallback: () => ['ui'],
  applies: (ctx) => hasUi(ctx),
  question: (ctx) =>
    `Is this API-only, or should the ${ctx.stack.frontendName} app also get list and edit screens?`,
  why: () =>
    'Screens roughly double the work (forms, validation messages, empty states) and change how errors must be returned.',
  assumption: (ctx) =>
    `list, create and edit screens in the ${ctx.stack.frontendName} app are part of this work`,
};

function routesBase(ctx: SpecContext): string {
  return `/api/${slugify(ctx.names.many)}`;
}

export const crudApiTemplate: FeatureTemplate = {
  id: 'crud_api',
  featureType: 'crud_api',
  label: 'CRUD resource',
  defaultSubject: 'item',
  topics: [fields, access, deletion, listing, screens],
  coreStep: 'crud-endpoints',
  docsStep: 'crud-docs',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('access', 'team')) level += 1;
    if (ctx.d.on('screens') && hasUi(ctx)) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `Clients can create, read, update${ctx.d.on('delete') ? ', list and delete' : ' and list'} ${ctx.names.many} through \`${routesBase(ctx)}\`.`,
      `Access rule: ${ctx.d.text('access').toLowerCase()}.`,
      'Invalid input is rejected with 400/422 and a message per field; nothing is half-saved.',
    ];
    if (ctx.d.get('fields')?.custom) goals.push(`Fields: ${ctx.d.get('fields')!.custom}.`);
    if (ctx.d.on('screens') && hasUi(ctx))
      goals.push(`${ctx.stack.frontendName} screens list, create and edit ${ctx.names.many}.`);
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = dataLines(
      ctx,
      `the \`${n.pascal}\` model${ctx.d.has('delete', 'soft') ? ' with `archived_at`' : ''}${ctx.d.has('access', 'team') ? ' and an organisation id (indexed)' : ctx.d.has('access', 'owner') ? ' and an owner id (indexed)' : ''}`,
    );
    lines.push(
      `Service in ${code(ctx.layout.service(n))}: validation, access checks and queries in one place; handlers stay thin.`,
    );
    const http = ctx.layout.httpEntry(n);
    if (http) {
      lines.push(
        `HTTP in ${code(http)}${ctx.layout.routeRegistry ? ` (registered in ${code(ctx.layout.routeRegistry)})` : ''}: \`GET ${routesBase(ctx)}\` (${ctx.d.has('listing', 'cursor') ? 'cursor' : 'page/limit'}), \`POST ${routesBase(ctx)}\`, \`GET|PATCH ${routesBase(ctx)}/:id\`${ctx.d.on('delete') ? `, \`DELETE ${routesBase(ctx)}/:id\`` : ''}.`,
      );
    }
    if (ctx.d.on('screens') && ctx.layout.uiPage(n)) {
      lines.push(
        `UI: list page ${code(ctx.layout.uiPage(n)!)} and a form component ${code(ctx.layout.uiComponent(n, 'form')!)}${ctx.layout.apiClient(n) ? `, calling ${code(ctx.layout.apiClient(n)!)}` : ''}.`,
      );
    }
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      `Reading or changing another user’s ${ctx.names.one} answers 404 (not 403), so ids cannot be probed.`,
      'Two people editing the same record: the later write must not silently erase the earlier one (version/updated_at check → 409).',
      'Unknown fields in a request are rejected, and server-owned fields (id, owner, timestamps) cannot be set by clients.',
      'Very long strings, empty strings and Unicode (emoji, RTL) in text fields.',
      `Listing with ${ctx.d.has('listing', 'cursor') ? 'a stale or malformed cursor' : 'a page beyond the end or limit=0/10000'} returns a clear 400 or an empty page, never a 500.`,
    ];
    if (ctx.d.has('delete', 'soft'))
      cases.push(
        'Archived records are excluded from lists and lookups but unique constraints still see them.',
      );
    if (ctx.d.has('delete', 'hard'))
      cases.push(
        `Deleting a ${ctx.names.one} that other records reference: refuse with 409 or cascade, decided per relation.`,
      );
    return cases;
  },
  acceptance: (ctx) => {
    const base = routesBase(ctx);
    const criteria = [
      gwt(
        `a valid ${ctx.names.one}`,
        `it is POSTed to \`${base}\``,
        'the response is 201 with its id and it appears in the list',
      ),
      gwt('a missing required field', 'it is POSTed', 'the response is 422 naming the field'),
      gwt(`another user’s ${ctx.names.one}`, 'it is fetched or changed', 'the response is 404'),
    ];
    if (ctx.d.on('delete'))
      criteria.push(
        gwt(
          `a ${ctx.names.one}`,
          'it is deleted',
          ctx.d.has('delete', 'soft')
            ? 'it disappears from the list and can be restored'
            : 'it is gone and its id returns 404',
        ),
      );
    criteria.push(
      testedBy(ctx, 'every endpoint, validation rule and access rule', ctx.layout.test(ctx.names)),
    );
    if (ctx.d.on('screens') && hasUi(ctx))
      criteria.push(`${uiTestTool(ctx)} covers creating and editing a ${ctx.names.one} from the screens.`);
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [];
    const migration = ctx.layout.migration(n);
    if (migration) {
      steps.push({
        key: 'crud-model',
        title: `${n.pascal} model and migration`,
        description: `${schemaChange(ctx, `the \`${n.pascal}\` model`)}. Indexes for the list query and the access filter.`,
        acceptance: [
          'The migration applies on an empty database and rolls back.',
          testedBy(ctx, 'constraints (required, unique) at the database level'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      });
    }
    steps.push({
      key: 'crud-service',
      title: `${n.pascal} service: validation and access rules`,
      description: `${code(ctx.layout.service(n))}: create/read/update/${ctx.d.on('delete') ? 'delete/' : ''}list with validation and the access rule (${ctx.d.text('access').toLowerCase()}).`,
      acceptance: [
        gwt(`a user without access`, `they read a ${n.one}`, 'the service reports “not found”'),
        testedBy(ctx, 'validation and access rules', ctx.layout.test(n)),
      ],
      size: 'M',
      dependsOn: ['crud-model'],
      priority: 1,
    });
    steps.push({
      key: 'crud-endpoints',
      title: `${n.pascal} endpoints`,
      description: `${ctx.layout.httpEntry(n) ? code(ctx.layout.httpEntry(n)!) : 'HTTP handlers'}: list (${ctx.d.has('listing', 'cursor') ? 'cursor' : 'page/limit'}), get, create, update${ctx.d.on('delete') ? ', delete' : ''}, with consistent error bodies.`,
      acceptance: [
        gwt('each endpoint', 'it is called without authentication', 'the response is 401'),
        testedBy(ctx, 'each endpoint over HTTP, including 404/409/422'),
      ],
      size: 'M',
      dependsOn: ['crud-service'],
      priority: 1,
    });
    if (ctx.d.on('screens') && ctx.layout.uiPage(n)) {
      steps.push({
        key: 'crud-screens',
        title: `${n.pascal} list and form screens`,
        description: `${code(ctx.layout.uiPage(n)!)} and ${code(ctx.layout.uiComponent(n, 'form')!)}: list with pagination and empty state, create/edit form showing per-field errors.`,
        acceptance: [
          gwt('a form with an invalid field', 'it is submitted', 'the field shows the server’s message'),
          `${uiTestTool(ctx)} covers create and edit.`,
        ],
        size: 'L',
        dependsOn: ['crud-endpoints'],
        priority: 2,
      });
    }
    steps.push({
      key: 'crud-docs',
      title: `Document the ${n.one} API`,
      description: `Request/response examples for each endpoint in ${code(ctx.layout.docs)} (or the OpenAPI file if the project has one).`,
      acceptance: ['Every endpoint has an example request and response that a test replays.'],
      size: 'S',
      dependsOn: ['crud-endpoints'],
      priority: 3,
    });
    return steps;
  },
};
