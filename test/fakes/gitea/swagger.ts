import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from './errors.ts';

/**
 * Gitea 1.26's own swagger document as the fake's contract: every request must name a route
 * it lists, and a JSON body is bound the way Gitea's binding package binds it (content type
 * check, Go-style type errors, `binding:"Required"` fields), answering 422 like Gitea.
 */

const DEFAULT_SWAGGER = fileURLToPath(new URL('./reference/gitea-swagger.v1.26.3.json', import.meta.url));

interface Schema {
  type?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema & { 'x-go-name'?: string }>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  'x-go-name'?: string;
}

interface Parameter {
  name: string;
  in: string;
  schema?: Schema;
}

interface SwaggerDocument {
  basePath: string;
  paths: Record<string, Record<string, { operationId?: string; parameters?: Parameter[] }>>;
  definitions: Record<string, Schema>;
}

export interface SwaggerOperation {
  method: string;
  template: string;
  operationId: string;
  body?: Schema;
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  paramNames: string[];
  /** Per segment, lower is more specific: static 0, parameter with literal text 1, parameter 2, wildcard 3. */
  rank: number[];
  operations: Map<string, SwaggerOperation>;
}

export type RouteMatch =
  | { kind: 'found'; operation: SwaggerOperation; params: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string }
  | { kind: 'not-found' };

/** Trailing parameters Gitea routes with `*`, so they may contain slashes. */
function isWildcard(template: string, param: string): boolean {
  return (
    param === 'filepath' ||
    (param === 'branch' && template.endsWith('/branches/{branch}')) ||
    (param === 'ref' && template.endsWith('/git/refs/{ref}'))
  );
}

function compile(template: string): Omit<CompiledPath, 'operations'> {
  const paramNames: string[] = [];
  const rank: number[] = [];
  const segments = template.split('/').slice(1);
  const parts = segments.map((segment, i) => {
    const isLast = i === segments.length - 1;
    if (!segment.includes('{')) {
      rank.push(0);
      return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    }
    let wildcard = false;
    const source = segment.replace(
      /\{([^}]+)\}|([^{]+)/g,
      (_all, name: string | undefined, literal: string | undefined) => {
        if (name) {
          paramNames.push(name);
          if (isLast && isWildcard(template, name)) {
            wildcard = true;
            return '(.+)';
          }
          return '([^/]+?)';
        }
        return (literal ?? '').replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      },
    );
    rank.push(wildcard ? 3 : /^\{[^}]+\}$/.test(segment) ? 2 : 1);
    return source;
  });
  return { template, regex: new RegExp(`^/${parts.join('/')}$`), paramNames, rank };
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

export class SwaggerContract {
  private readonly paths: CompiledPath[];

  private constructor(private readonly doc: SwaggerDocument) {
    this.paths = Object.entries(doc.paths).map(([template, methods]) => {
      const operations = new Map<string, SwaggerOperation>();
      for (const [method, op] of Object.entries(methods)) {
        const body = op.parameters?.find((p) => p.in === 'body')?.schema;
        operations.set(method.toUpperCase(), {
          method: method.toUpperCase(),
          template,
          operationId: op.operationId ?? `${method} ${template}`,
          ...(body ? { body } : {}),
        });
      }
      return { ...compile(template), operations };
    });
  }

  static load(path = process.env.GITEA_SWAGGER_PATH ?? DEFAULT_SWAGGER): SwaggerContract {
    const cached = cache.get(path);
    if (cached) return cached;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(
        `Gitea fake: cannot read the Gitea swagger document at ${path} (${(error as Error).message})`,
      );
    }
    const contract = new SwaggerContract(JSON.parse(text) as SwaggerDocument);
    cache.set(path, contract);
    return contract;
  }

  get basePath(): string {
    return this.doc.basePath;
  }

  operations(): SwaggerOperation[] {
    return this.paths.flatMap((p) => [...p.operations.values()]);
  }

  /** `path` is relative to the API base, e.g. `/repos/o/r/issues/1`. */
  match(method: string, path: string): RouteMatch {
    let best: { compiled: CompiledPath; values: string[] } | undefined;
    for (const compiled of this.paths) {
      const m = compiled.regex.exec(path);
      if (!m) continue;
      if (!best || compareRank(compiled.rank, best.compiled.rank) < 0)
        best = { compiled, values: m.slice(1) };
    }
    if (!best) return { kind: 'not-found' };
    const operation = best.compiled.operations.get(method.toUpperCase());
    if (!operation) return { kind: 'method-not-allowed', template: best.compiled.template };
    const params: Record<string, string> = {};
    best.compiled.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(best.values[i] ?? '');
    });
    return { kind: 'found', operation, params };
  }

  /**
   * Binds a request body like gitea.com/go-chi/binding and validates it against the
   * operation's schema. Returns the bound value; throws 422 with Gitea's message format
   * (`[Field]: Required`, `[]: Unsupported Content-Type`, `[]: json: cannot unmarshal …`).
   */
  bindBody(operation: SwaggerOperation, method: string, contentType: string, raw: string): unknown {
    const schema = operation.body;
    if (!schema) return undefined;
    let value: unknown;
    let fromJson = false;
    if (method === 'POST' || method === 'PUT' || contentType !== '') {
      if (contentType.includes('form-urlencoded')) value = formToObject(raw);
      else if (contentType.includes('multipart/form-data')) value = {};
      else if (contentType.includes('json')) {
        value = parseJson(raw);
        fromJson = true;
      } else if (contentType === '') throw bindingError([], 'Empty Content-Type');
      else throw bindingError([], 'Unsupported Content-Type');
    } else {
      value = {};
    }
    // Form values are strings that Gitea converts per field; only JSON is type-checked here.
    const typeError = fromJson ? this.checkType(schema, value, this.goTypeName(schema), '') : undefined;
    if (typeError) throw bindingError([], typeError);
    this.checkRequired(schema, value);
    return value ?? {};
  }

  private resolve(schema: Schema): { name: string; schema: Schema } {
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop() ?? '';
      const def = this.doc.definitions[name];
      if (!def) throw new Error(`Gitea fake: swagger definition ${name} is missing`);
      return { name, schema: def };
    }
    return { name: '', schema };
  }

  private goTypeName(schema: Schema): string {
    const { name, schema: resolved } = this.resolve(schema);
    if (name) return `structs.${name}`;
    switch (resolved.type) {
      case 'integer':
        return 'int64';
      case 'boolean':
        return 'bool';
      case 'string':
        return 'string';
      case 'array':
        return `[]${resolved.items ? this.goTypeName(resolved.items) : 'interface {}'}`;
      case 'object':
        return 'map[string]string';
      default:
        return 'interface {}';
    }
  }

  /** A Go json.Unmarshal type error for `value`, or undefined when it fits. */
  private checkType(schema: Schema, value: unknown, goType: string, field: string): string | undefined {
    if (value === null || value === undefined) return undefined;
    const { name, schema: resolved } = this.resolve(schema);
    const kind = jsonKind(value);
    const fail = () =>
      field
        ? `json: cannot unmarshal ${kind} into Go struct field ${field} of type ${goType}`
        : `json: cannot unmarshal ${kind} into Go value of type ${goType}`;
    const type = resolved.type ?? (resolved.properties ? 'object' : undefined);
    switch (type) {
      case 'string':
        return typeof value === 'string' ? undefined : fail();
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value) ? undefined : fail();
      case 'number':
        return typeof value === 'number' ? undefined : fail();
      case 'boolean':
        return typeof value === 'boolean' ? undefined : fail();
      case 'array': {
        if (!Array.isArray(value)) return fail();
        if (!resolved.items) return undefined;
        const items = resolved.items;
        for (const item of value) {
          const error = this.checkType(items, item, this.goTypeName(items), field);
          if (error) return error;
        }
        return undefined;
      }
      case 'object': {
        if (kind !== 'object') return fail();
        const record = value as Record<string, unknown>;
        if (resolved.properties) {
          for (const [prop, propSchema] of Object.entries(resolved.properties)) {
            if (!(prop in record)) continue;
            const error = this.checkType(
              propSchema,
              record[prop],
              this.goTypeName(propSchema),
              `${name || 'Object'}.${prop}`,
            );
            if (error) return error;
          }
        } else if (typeof resolved.additionalProperties === 'object') {
          const inner = resolved.additionalProperties;
          for (const [key, item] of Object.entries(record)) {
            const error = this.checkType(inner, item, this.goTypeName(inner), `${field || name}.${key}`);
            if (error) return error;
          }
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** binding:"Required" fails on a missing or zero value ("", 0, false, empty list). */
  private checkRequired(schema: Schema, value: unknown): void {
    const { name, schema: resolved } = this.resolve(schema);
    const required = [...(resolved.required ?? []), ...(EXTRA_REQUIRED[name] ?? [])];
    if (required.length === 0 || Array.isArray(value)) return;
    const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    for (const prop of required) {
      // Go matches JSON keys to struct fields case-insensitively.
      const key = Object.keys(record).find((k) => k.toLowerCase() === prop.toLowerCase()) ?? prop;
      const v = record[key];
      const zero =
        v === undefined ||
        v === null ||
        v === '' ||
        v === 0 ||
        v === false ||
        (Array.isArray(v) && v.length === 0);
      if (zero) throw bindingError([goFieldName(resolved, prop)], 'Required');
    }
  }
}

const cache = new Map<string, SwaggerContract>();

/**
 * `binding:"Required"` fields the swagger document does not mark required (its `required`
 * lists come from swagger comments, which some Gitea structs lack).
 */
const EXTRA_REQUIRED: Record<string, string[]> = {
  CreatePullRequestOption: ['head', 'base', 'title'],
};

function goFieldName(schema: Schema, prop: string): string {
  const goName = schema.properties?.[prop]?.['x-go-name'];
  if (goName) return goName;
  return prop.replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : `number ${value}`;
  return typeof value;
}

function bindingError(fields: string[], message: string): ApiError {
  return new ApiError(422, `[${fields.join(' ')}]: ${message}`);
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw bindingError([], 'invalid character in JSON body (the body is not valid JSON)');
  }
}

function formToObject(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) out[key] = value;
  return out;
}
