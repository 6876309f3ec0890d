/**
 * Hidden markers (docs/architecture.md §2): `<!-- aiworker:KIND key=value … -->`, one per bot comment and per
 * issue the bot creates. They are how every write is made idempotent: look for the marker
 * first, update instead of creating twice.
 *
 * Values are percent-encoded outside a small safe set, and `--` is broken up, so no value can
 * end the HTML comment, add an attribute, or span lines; `parseMarkers` decodes them back.
 */

export type MarkerAttrInput = Record<string, string | number>;

/** The marker an `ensure…` write looks for and embeds: `kind` and the attributes that identify it. */
export interface MarkerRef {
  kind: string;
  attrs: MarkerAttrInput;
}

export interface Marker {
  kind: string;
  attrs: Record<string, string>;
}

const KIND_PATTERN = /^[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$/;
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
const SAFE_VALUE_CHAR = /[A-Za-z0-9._:/@#+~,-]/;
const PREFIX = 'aiworker:';

function encodeValue(key: string, value: string | number): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`marker attribute "${key}" must be a finite number, got ${value}`);
  }
  let encoded = '';
  for (const char of String(value)) {
    encoded += SAFE_VALUE_CHAR.test(char) ? char : encodeURIComponent(char);
  }
  // `--` may not appear inside an HTML comment, and `-->` would end it.
  return encoded.replace(/-(?=-)/g, '%2D');
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `<!-- aiworker:KIND key=value … -->`, attributes in the order given. */
export function renderMarker(kind: string, attrs: MarkerAttrInput = {}): string {
  if (!KIND_PATTERN.test(kind)) {
    throw new Error(`marker kind "${kind}" must be lower-case letters, digits, _ and single dashes`);
  }
  const parts = [`${PREFIX}${kind}`];
  for (const [key, value] of Object.entries(attrs)) {
    if (!KEY_PATTERN.test(key)) {
      throw new Error(
        `marker attribute name "${key}" must be letters, digits and _ (starting with a letter)`,
      );
    }
    parts.push(`${key}=${encodeValue(key, value)}`);
  }
  return `<!-- ${parts.join(' ')} -->`;
}

function parseMarkerContent(content: string): Marker | undefined {
  const tokens = content.trim().split(/\s+/);
  const head = tokens.shift();
  if (!head?.startsWith(PREFIX)) return undefined;
  const kind = head.slice(PREFIX.length);
  if (!KIND_PATTERN.test(kind)) return undefined;
  const attrs: Record<string, string> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    const key = token.slice(0, eq);
    if (KEY_PATTERN.test(key)) attrs[key] = decodeValue(token.slice(eq + 1));
  }
  return { kind, attrs };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}>/;
const COMMENT = /<!--([\s\S]*?)-->/g;

/**
 * Every marker the text carries as its own, in order. Markers inside fenced code or `>` quotes
 * are someone quoting a bot comment (Gitea's "Quote reply" copies hidden comments), not a mark
 * of the bot, and are skipped.
 */
export function parseMarkers(body: string | null | undefined): Marker[] {
  if (!body?.includes(`${PREFIX}`)) return [];
  const markers: Marker[] = [];
  let fence: string | null = null;
  for (const line of body.split(/\r?\n/)) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== null) {
      if (fenceMatch?.[1] && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length)
        fence = null;
      continue;
    }
    if (fenceMatch?.[1]) {
      fence = fenceMatch[1];
      continue;
    }
    if (QUOTE.test(line) || !line.includes(PREFIX)) continue;
    for (const match of line.matchAll(COMMENT)) {
      const marker = parseMarkerContent(match[1] ?? '');
      if (marker) markers.push(marker);
    }
  }
  return markers;
}

export function hasMarker(body: string | null | undefined): boolean {
  return parseMarkers(body).length > 0;
}

/** Whether `marker` is of `kind` and carries every attribute of `attrsSubset` with that value. */
export function markerMatches(marker: Marker, kind: string, attrsSubset: MarkerAttrInput = {}): boolean {
  if (marker.kind !== kind) return false;
  return Object.entries(attrsSubset).every(([key, value]) => marker.attrs[key] === String(value));
}

/** The first marker of `kind` carrying every attribute of `attrsSubset`, if any. */
export function findMarker(
  body: string | null | undefined,
  kind: string,
  attrsSubset: MarkerAttrInput = {},
): Marker | undefined {
  return parseMarkers(body).find((marker) => markerMatches(marker, kind, attrsSubset));
}
