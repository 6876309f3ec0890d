import { extensionOf, isInSkippedDirectory, roleOf } from './path-roles.ts';

/**
 * Programming and styling languages by file extension. Data and prose formats (JSON, YAML,
 * Markdown) are left out on purpose: they say nothing about what the code is written in.
 */
const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  ts: 'TypeScript',
  tsx: 'TypeScript',
  mts: 'TypeScript',
  cts: 'TypeScript',
  js: 'JavaScript',
  jsx: 'JavaScript',
  mjs: 'JavaScript',
  cjs: 'JavaScript',
  vue: 'Vue',
  svelte: 'Svelte',
  astro: 'Astro',
  go: 'Go',
  rs: 'Rust',
  py: 'Python',
  pyi: 'Python',
  java: 'Java',
  kt: 'Kotlin',
  kts: 'Kotlin',
  scala: 'Scala',
  groovy: 'Groovy',
  clj: 'Clojure',
  rb: 'Ruby',
  erb: 'Ruby',
  php: 'PHP',
  cs: 'C#',
  fs: 'F#',
  vb: 'Visual Basic',
  ex: 'Elixir',
  exs: 'Elixir',
  heex: 'Elixir',
  erl: 'Erlang',
  c: 'C',
  h: 'C',
  cc: 'C++',
  cpp: 'C++',
  cxx: 'C++',
  hpp: 'C++',
  hh: 'C++',
  m: 'Objective-C',
  mm: 'Objective-C',
  swift: 'Swift',
  dart: 'Dart',
  lua: 'Lua',
  pl: 'Perl',
  pm: 'Perl',
  r: 'R',
  jl: 'Julia',
  hs: 'Haskell',
  ml: 'OCaml',
  elm: 'Elm',
  zig: 'Zig',
  nim: 'Nim',
  sh: 'Shell',
  bash: 'Shell',
  zsh: 'Shell',
  ps1: 'PowerShell',
  sql: 'SQL',
  html: 'HTML',
  htm: 'HTML',
  css: 'CSS',
  scss: 'SCSS',
  sass: 'Sass',
  less: 'Less',
  tf: 'HCL',
  hcl: 'HCL',
  proto: 'Protocol Buffers',
  graphql: 'GraphQL',
  gql: 'GraphQL',
  sol: 'Solidity',
};

export function languageOf(path: string): string | undefined {
  return LANGUAGE_BY_EXTENSION[extensionOf(path)];
}

/** Languages by how many of the project's own files use them, most used first (ties by name). */
export function rankLanguages(paths: Iterable<string>, limit = 5): string[] {
  const counts = new Map<string, number>();
  for (const path of paths) {
    if (isInSkippedDirectory(path) || roleOf(path) === 'generated') continue;
    const language = languageOf(path);
    if (language) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([language]) => language);
}
