import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { contextSection } from './context.ts';
import { conversationSection } from './conversation.ts';
import { ingestSection } from './ingest.ts';

/**
 * `npm run bench` runs every section; `npm run bench -- ingest` runs the named ones. Each
 * section prints its figures and rewrites its own part of docs/benchmarks.md (between
 * `<!-- bench:NAME -->` markers), so sections can be added and rerun independently.
 */

export interface BenchSection {
  name: string;
  /** One line for the list of sections. */
  description: string;
  /** Runs the benchmark (bounded in time) and returns its Markdown for docs/benchmarks.md. */
  run(context: { machine: string }): Promise<string>;
}

const SECTIONS: BenchSection[] = [ingestSection, conversationSection, contextSection];

const DOC = new URL('../docs/benchmarks.md', import.meta.url);
const HEADER = `# Benchmarks

Figures measured by \`npm run bench\` (or \`npm run bench -- <section>\`). Every section says on
which machine it ran; numbers from different machines are not comparable.
`;

/** The machine a section ran on, in one line. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`;
  return `${availableParallelism()} cores (nproc), ${cpu}, ${memory}, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Replaces (or appends) one section of docs/benchmarks.md. */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  mkdirSync(new URL('.', DOC), { recursive: true });
  writeFileSync(DOC, next);
}

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    const known = SECTIONS.map((s) => `  ${s.name.padEnd(10)} ${s.description}`).join('\n');
    throw new Error(`unknown benchmark section(s): ${unknown.join(', ')}\nknown sections:\n${known}`);
  }
  const chosen = args.length === 0 ? SECTIONS : SECTIONS.filter((s) => args.includes(s.name));
  const machine = describeMachine();
  console.log(`machine: ${machine}`);
  for (const section of chosen) {
    console.log(`\n== ${section.name}: ${section.description}`);
    const markdown = await section.run({ machine });
    writeSection(section.name, markdown);
    console.log(`(written to docs/benchmarks.md, section ${section.name})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
