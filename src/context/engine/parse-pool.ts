import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParseRequest, ParseResponse } from './parse-worker.ts';
import { extractSymbols, type FileSymbols } from './symbols.ts';

/** Below this many files, starting threads costs more than it saves. */
const MIN_FILES_FOR_THREADS = 150;
const FILES_PER_BATCH = 40;

function workerExecArgv(): string[] {
  // The worker is TypeScript like the rest: it runs through tsx, as the process itself does.
  const tsx = import.meta.resolve('tsx');
  return process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : ['--import', tsx];
}

async function parseInThread(
  files: ReadonlyArray<{ path: string; text: string }>,
): Promise<Array<FileSymbols | null>> {
  const results: Array<FileSymbols | null> = [];
  for (const file of files) results.push(await extractSymbols(file.path, file.text));
  return results;
}

/**
 * Parses many files on `threads` worker threads (default: one per core), in batches; the
 * results keep the files' order. Falls back to this thread when threads cannot start.
 */
export async function parseFiles(
  files: ReadonlyArray<{ path: string; text: string }>,
  threads = availableParallelism(),
): Promise<Array<FileSymbols | null>> {
  if (threads <= 1 || files.length < MIN_FILES_FOR_THREADS) return parseInThread(files);
  const batches: ParseRequest[] = [];
  for (let start = 0; start < files.length; start += FILES_PER_BATCH) {
    batches.push({ batch: batches.length, files: files.slice(start, start + FILES_PER_BATCH) });
  }
  const results: Array<Array<FileSymbols | null>> = new Array(batches.length);
  const workers: Worker[] = [];
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(threads, batches.length) }, async () => {
        const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), {
          execArgv: workerExecArgv(),
        });
        workers.push(worker);
        while (next < batches.length) {
          const request = batches[next++] as ParseRequest;
          const response = await new Promise<ParseResponse>((resolve, reject) => {
            const onMessage = (message: ParseResponse) => {
              worker.off('error', reject);
              resolve(message);
            };
            worker.once('message', onMessage);
            worker.once('error', reject);
            worker.postMessage(request);
          });
          if (response.error) throw new Error(response.error);
          results[response.batch] = response.results;
        }
      }),
    );
  } catch {
    // A thread that cannot start (or dies) must not cost the index: parse here instead.
    return parseInThread(files);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results.flat();
}
