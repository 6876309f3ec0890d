import { createHash } from 'node:crypto';
import { REDACTED, redactSecrets } from '../../config/redact.ts';

/**
 * The last lines of an agent's output, as they go into a run's status and from there into a
 * Gitea comment: bounded by lines and bytes however much the agent prints, with every known
 * secret removed before a line is kept. Pure: output is pushed in, text comes out.
 */

export const LOG_TAIL_MAX_LINES = 50;
export const LOG_TAIL_MAX_BYTES = 8 * 1024;

const ELLIPSIS = '…';

/**
 * A secret known only by its digest. A runner that adopts a run after a restart must still
 * scrub that run's tokens from its output, but tokens are never written to disk: the run's
 * state file keeps these digests instead.
 */
export interface SecretDigest {
  sha256: string;
  /** Length in UTF-16 code units, the window the scrubber hashes. */
  length: number;
  /** Whether the secret is made of token characters only, so only such runs need hashing. */
  tokenLike: boolean;
}

const TOKEN_CHARS = 'A-Za-z0-9._~+/=-';
const TOKEN_LIKE = new RegExp(`^[${TOKEN_CHARS}]+$`);

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function digestSecret(value: string): SecretDigest {
  return { sha256: sha256(value), length: value.length, tokenLike: TOKEN_LIKE.test(value) };
}

/** Replaces every substring whose digest is listed. */
export function redactDigests(text: string, digests: readonly SecretDigest[]): string {
  let out = text;
  for (const digest of digests) {
    if (digest.length < 4 || out.length < digest.length) continue;
    const ranges: Array<[number, number]> = [];
    const scan = (from: number, to: number) => {
      for (let i = from; i + digest.length <= to; i++) {
        if (sha256(out.slice(i, i + digest.length)) === digest.sha256) {
          ranges.push([i, i + digest.length]);
          i += digest.length - 1;
        }
      }
    };
    if (digest.tokenLike) {
      // Hashing every window is costly; a token can only sit inside a run of token characters.
      for (const run of out.matchAll(new RegExp(`[${TOKEN_CHARS}]{${digest.length},}`, 'g'))) {
        scan(run.index, run.index + run[0].length);
      }
    } else {
      scan(0, out.length);
    }
    for (const [start, end] of ranges.reverse()) out = out.slice(0, start) + REDACTED + out.slice(end);
  }
  return out;
}

export interface LogTailOptions {
  maxLines?: number;
  maxBytes?: number;
  /** Secret values removed from every line (tokens, passwords). */
  secrets?: readonly string[];
  /** Secrets known by digest only (see {@link SecretDigest}). */
  digests?: readonly SecretDigest[];
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The last `maxBytes` bytes of a text, cut at a character boundary, marked with an ellipsis. */
function keepEnd(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - byteLength(ELLIPSIS);
  const bytes = Buffer.from(text, 'utf8');
  // Dropping replacement characters removes a multi-byte character the cut went through.
  const end = bytes
    .subarray(bytes.length - budget)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  return ELLIPSIS + end;
}

/** What a terminal would show for a line redrawn with carriage returns (progress bars). */
function lastRedraw(line: string): string {
  const cr = line.lastIndexOf('\r');
  return cr < 0 ? line : line.slice(cr + 1);
}

export class LogTail {
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly secrets: readonly string[];
  private readonly digests: readonly SecretDigest[];
  /** Longest secret: a partial line keeps at least this much so a secret is never cut in two. */
  private readonly longestSecret: number;
  private readonly lines: string[] = [];
  private readonly lineBytes: number[] = [];
  private totalBytes = 0;
  private partial = '';

  constructor(options: LogTailOptions = {}) {
    this.maxLines = Math.max(1, options.maxLines ?? LOG_TAIL_MAX_LINES);
    this.maxBytes = Math.max(64, options.maxBytes ?? LOG_TAIL_MAX_BYTES);
    this.secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
    this.digests = options.digests ?? [];
    this.longestSecret = Math.max(
      0,
      ...this.secrets.map((s) => s.length),
      ...this.digests.map((d) => d.length),
    );
  }

  /** Adds output as it arrives; lines may be split across calls anywhere. */
  push(text: string): void {
    const parts = (this.partial + text).replace(/\r\n/g, '\n').split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.addLine(line);
    const cap = this.maxBytes + this.longestSecret;
    if (this.partial.length > cap) {
      // A line without end: scrub what is complete, then keep its end. Keeping at least the
      // longest secret's length means a secret still arriving is never cut in two.
      this.partial = this.redact(this.partial);
      if (this.partial.length > cap) this.partial = ELLIPSIS + this.partial.slice(-cap);
    }
  }

  /** The tail as one text, oldest line first; secrets removed; within the line and byte bounds. */
  toString(): string {
    const pending = this.partial === '' ? [] : [lastRedraw(this.redact(this.partial))];
    const lines = [...this.lines, ...pending].slice(-this.maxLines);
    let text = lines.join('\n');
    // Once more over the whole text, for credentials that span lines (private key blocks).
    text = redactSecrets(text, this.secrets);
    while (byteLength(text) > this.maxBytes && lines.length > 1) {
      lines.shift();
      text = redactSecrets(lines.join('\n'), this.secrets);
    }
    return keepEnd(text, this.maxBytes);
  }

  private redact(text: string): string {
    return redactSecrets(redactDigests(text, this.digests), this.secrets);
  }

  private addLine(raw: string): void {
    const line = keepEnd(lastRedraw(this.redact(raw)), this.maxBytes);
    const bytes = byteLength(line) + 1;
    this.lines.push(line);
    this.lineBytes.push(bytes);
    this.totalBytes += bytes;
    while (
      this.lines.length > this.maxLines ||
      (this.totalBytes > this.maxBytes + 1 && this.lines.length > 1)
    ) {
      this.lines.shift();
      this.totalBytes -= this.lineBytes.shift() ?? 0;
    }
  }
}
