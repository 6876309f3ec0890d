import { parentPort } from 'node:worker_threads';
import { extractSymbols, type FileSymbols } from './symbols.ts';

/** A parsing thread: receives batches of files, answers with their symbols in the same order. */
export interface ParseRequest {
  batch: number;
  files: Array<{ path: string; text: string }>;
}

export interface ParseResponse {
  batch: number;
  results: Array<FileSymbols | null>;
  error?: string;
}

parentPort?.on('message', async (request: ParseRequest) => {
  try {
    const results: Array<FileSymbols | null> = [];
    for (const file of request.files) results.push(await extractSymbols(file.path, file.text));
    parentPort?.postMessage({ batch: request.batch, results } satisfies ParseResponse);
  } catch (error) {
    parentPort?.postMessage({
      batch: request.batch,
      results: [],
      error: String(error),
    } satisfies ParseResponse);
  }
});
