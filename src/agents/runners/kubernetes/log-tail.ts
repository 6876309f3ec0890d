import { redactSecrets } from '../../../spec/llm/redact.ts';

/**
 * The end of an agent's output as it goes into a comment: at most `maxLines` lines and
 * `maxBytes` bytes (cut at a line start when one is near), every known secret and every
 * recognisable credential removed.
 */

export const LOG_TAIL_LINES = 50;
export const LOG_TAIL_BYTES = 8 * 1024;

export function trimLogTail(text: string, maxLines = LOG_TAIL_LINES, maxBytes = LOG_TAIL_BYTES): string {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  let tail = lines.slice(-maxLines).join('\n');
  const bytes = Buffer.from(tail, 'utf8');
  if (bytes.length > maxBytes) {
    // Drop a leading partial UTF-8 sequence, then a leading partial line if a newline is close.
    let cut = bytes
      .subarray(bytes.length - maxBytes)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    const newline = cut.indexOf('\n');
    if (newline >= 0 && newline < 512) cut = cut.slice(newline + 1);
    tail = cut;
  }
  return tail;
}

export function cleanLogTail(text: string, secrets: readonly string[]): string {
  // Redact before trimming, so a cut can never leave half a secret that no longer matches.
  return trimLogTail(redactSecrets(text, secrets));
}
