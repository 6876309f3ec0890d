/**
 * JSON encoded the way Gitea's Go encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 are
 * escaped (Go's HTML-safe default), API answers are compact with a trailing newline, and
 * webhook payloads are indented with two spaces (json.MarshalIndent(p, "", "  ")).
 */
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function goJsonCompact(value: unknown): string {
  return `${escapeLikeGo(JSON.stringify(value))}\n`;
}

export function goJsonIndent(value: unknown): string {
  return escapeLikeGo(JSON.stringify(value, null, 2));
}
