/**
 * How Gitea's web handlers read request bodies:
 * - `web.Bind(form)` (gitea.com/go-chi/binding): a urlencoded or multipart body binds fields by
 *   their snake_case names; a JSON body is decoded into the Go struct, whose fields have no json
 *   tags, so keys match Go field names case-insensitively (`title` binds Title, `template_type`
 *   binds nothing); any other or no Content-Type binds nothing. Values that do not parse leave
 *   the field at its zero value.
 * - `ctx.FormString`/`ctx.FormInt64` (Go's `Request.FormValue`): the query string plus a
 *   urlencoded or multipart body; a JSON body is not read.
 */

export type FieldKind = 'string' | 'int';
export type FormSpec = Record<string, FieldKind>;
export type BoundForm<S extends FormSpec> = { [K in keyof S]: S[K] extends 'int' ? number : string };

/** `TemplateType` → `template_type`, as `modules/web/middleware/binding.go` names form fields. */
export function snakeCase(goName: string): string {
  return goName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function isForm(contentType: string): boolean {
  return contentType.includes('form-urlencoded') || contentType.includes('multipart/form-data');
}

/** The body's form fields (urlencoded or multipart); empty for any other Content-Type. */
async function bodyFields(contentType: string, raw: string): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  if (!isForm(contentType)) return fields;
  try {
    const data = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    for (const [name, value] of data) {
      if (typeof value === 'string' && !fields.has(name)) fields.set(name, value);
    }
  } catch {
    // An unparsable form body binds nothing, as in Go.
  }
  return fields;
}

/** Go's strconv.ParseInt on a form value: anything else leaves 0. */
function goInt(value: string | undefined): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value.trim())) return 0;
  return Number.parseInt(value, 10);
}

export async function bindForm<S extends FormSpec>(
  spec: S,
  contentType: string,
  raw: string,
): Promise<BoundForm<S>> {
  const bound: Record<string, string | number> = {};
  for (const [name, kind] of Object.entries(spec)) bound[name] = kind === 'int' ? 0 : '';
  const type = contentType.toLowerCase();
  if (isForm(type)) {
    const fields = await bodyFields(type, raw);
    for (const [name, kind] of Object.entries(spec)) {
      const value = fields.get(snakeCase(name));
      if (value === undefined) continue;
      bound[name] = kind === 'int' ? goInt(value) : value;
    }
  } else if (type.includes('json')) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(raw);
    } catch {
      decoded = undefined;
    }
    if (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
      for (const [key, value] of Object.entries(decoded)) {
        const name = Object.keys(spec).find((field) => field.toLowerCase() === key.toLowerCase());
        if (!name) continue;
        if (spec[name] === 'int' && typeof value === 'number' && Number.isInteger(value)) bound[name] = value;
        if (spec[name] === 'string' && typeof value === 'string') bound[name] = value;
      }
    }
  }
  return bound as BoundForm<S>;
}

/** `Request.FormValue`: the body's value first (urlencoded or multipart), then the query's. */
export async function formValues(
  contentType: string,
  raw: string,
  query: URLSearchParams,
): Promise<(name: string) => string> {
  const fields = await bodyFields(contentType.toLowerCase(), raw);
  return (name) => fields.get(name) ?? query.get(name) ?? '';
}

/** `ctx.FormInt64`: 0 when missing or unparsable. */
export function formInt(value: string): number {
  return goInt(value);
}
