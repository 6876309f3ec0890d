import { fileNameOf } from './path-roles.ts';

export const MAX_README_SUMMARY_CHARS = 600;

/** Headings after which a README stops describing the project and starts instructing. */
const INSTRUCTION_HEADING =
  /^(table of contents|contents|toc|install(ation|ing)?|setup|set up|getting started|quick ?start|usage|build(ing)?|development|developing|running|configuration|contributing|license|licence|requirements|prerequisites|faq|changelog|api|documentation|docs)\b/i;

/** The root README, preferring Markdown; null when the repository has none. */
export function findReadme(paths: Iterable<string>): string | null {
  const candidates = [...paths].filter(
    (path) => !path.includes('/') && /^readme(\.[a-z]+)?$/i.test(fileNameOf(path)),
  );
  const rank = (path: string) => {
    const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
    return ['md', 'markdown', 'mdx'].includes(extension)
      ? 0
      : ['rst', 'txt', 'adoc', ''].includes(extension)
        ? 1
        : 2;
  };
  return candidates.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0] ?? null;
}

/** Inline Markdown to plain text: images and badges dropped, links reduced to their text. */
function plainInline(text: string): string {
  return (
    text
      // reStructuredText inline links `text <url>`_ and roles (before `<url>` looks like a tag)
      .replace(/`([^`<]*?)\s*<[^>]*>`_+/g, '$1')
      .replace(/:[a-z]+:`([^`]*)`/g, '$1')
      // badges: [![alt](img)](link)
      .replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/g, '')
      .replace(/\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]/g, '')
      // images
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
      // links: [text](url) and [text][ref]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
      // HTML tags (keep their text)
      .replace(/<[^>]+>/g, ' ')
      // code spans and emphasis
      .replace(/`+([^`]*)`+/g, '$1')
      .replace(/(\*\*|__)(.+?)\1/g, '$2')
      .replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
      .replace(/~~(.+?)~~/g, '$1')
      // bare URLs say nothing in a summary
      .replace(/<?https?:\/\/\S+>?/g, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

interface Block {
  kind: 'heading' | 'paragraph';
  text: string;
}

/** Splits a README into headings and paragraphs, dropping code, tables, HTML comments and directives. */
function blocks(markdown: string): Block[] {
  const text = markdown
    .replace(/^\uFEFF/, '')
    .replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const lines = text.split(/\r?\n/);
  const result: Block[] = [];
  let paragraph: string[] = [];
  let fence: string | null = null;
  let inDirective = false;
  const flush = () => {
    if (paragraph.length > 0) result.push({ kind: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (fence) {
      if (trimmed.startsWith(fence)) fence = null;
      continue;
    }
    const fenceOpen = /^(`{3,}|~{3,})/.exec(trimmed)?.[1];
    if (fenceOpen) {
      flush();
      fence = fenceOpen;
      continue;
    }
    if (inDirective) {
      if (trimmed === '' || /^\s/.test(line)) continue;
      inDirective = false;
    }
    if (trimmed === '') {
      flush();
      continue;
    }
    // reStructuredText directives (`.. image::`) and their indented bodies
    if (/^\.\.\s/.test(trimmed)) {
      flush();
      inDirective = true;
      continue;
    }
    const next = lines[i + 1]?.trim() ?? '';
    const atx = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(trimmed);
    const setext = paragraph.length === 0 && /^(=+|-+|~+|\^+)$/.test(next) && !/^[=\-~^]+$/.test(trimmed);
    if (atx || setext) {
      flush();
      result.push({ kind: 'heading', text: plainInline(atx ? (atx[1] ?? '') : trimmed) });
      if (setext) i++;
      continue;
    }
    if (/^([-*_=~^]\s*){3,}$/.test(trimmed)) {
      flush();
      continue;
    }
    // tables and link reference definitions; indented code (an indented line that starts a block)
    if (trimmed.startsWith('|') || /^\[[^\]]+\]:\s*\S+/.test(trimmed)) continue;
    if (paragraph.length === 0 && /^( {4}|\t)/.test(line)) continue;
    paragraph.push(trimmed.replace(/^>\s?/, '').replace(/^([-*+]|\d+[.)])\s+/, ''));
  }
  flush();
  return result;
}

/** Cuts at a word boundary and marks the cut. */
function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/**
 * The README's opening description as plain text: the first paragraphs that say something,
 * without headings, badges, images, HTML or code, stopping at install/usage sections.
 */
export function summarizeReadme(markdown: string, limit = MAX_README_SUMMARY_CHARS): string {
  const kept: string[] = [];
  let length = 0;
  for (const block of blocks(markdown)) {
    if (block.kind === 'heading') {
      if (kept.length > 0 && INSTRUCTION_HEADING.test(block.text)) break;
      continue;
    }
    const text = plainInline(block.text);
    // Paragraphs left with no words (only badges, links or punctuation) say nothing.
    if (!/[\p{L}]{2,}/u.test(text) || text.split(' ').length < 3) continue;
    kept.push(text);
    length += text.length + 2;
    if (length >= limit) break;
  }
  return truncate(kept.join('\n\n'), limit);
}
