import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { LogTail } from '../log-tail.ts';

/**
 * Reads what was appended to a run's log file since the last look and feeds it to the run's
 * tail. Only the end of the file matters for a tail, so a large backlog is skipped.
 */

/** More than a full tail needs, with room for long lines. */
const BACKLOG_BYTES = 256 * 1024;
const CHUNK_BYTES = 64 * 1024;

export class LogFollower {
  private offset = 0;
  private decoder = new StringDecoder('utf8');
  /** After a jump into the middle of the file, the first (partial) line is dropped. */
  private dropPartialLine = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly tail: LogTail,
  ) {}

  /** Reads whatever is new; calls are serialised. */
  poll(): Promise<void> {
    this.chain = this.chain.then(() => this.read()).catch(() => undefined);
    return this.chain;
  }

  private async read(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return; // not created yet, or removed with the run
    }
    if (size < this.offset) this.offset = 0; // truncated: start over
    if (size - this.offset > BACKLOG_BYTES) {
      this.offset = size - BACKLOG_BYTES;
      this.decoder = new StringDecoder('utf8');
      this.dropPartialLine = true;
    }
    if (size === this.offset) return;
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      while (this.offset < size) {
        const { bytesRead } = await handle.read(
          buffer,
          0,
          Math.min(CHUNK_BYTES, size - this.offset),
          this.offset,
        );
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.push(this.decoder.write(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  }

  private push(text: string): void {
    if (!this.dropPartialLine) {
      this.tail.push(text);
      return;
    }
    const newline = text.indexOf('\n');
    if (newline < 0) return;
    this.dropPartialLine = false;
    this.tail.push(text.slice(newline + 1));
  }
}
