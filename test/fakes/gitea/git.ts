import { createHash } from 'node:crypto';

/**
 * Real git object ids for the fake's in-memory repositories: blob, tree and commit shas are
 * computed exactly as git computes them, so a sha seen through the API is a valid git sha.
 */

function objectSha(kind: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${kind} ${body.length}\0`), body]))
    .digest('hex');
}

export function blobSha(content: string): string {
  return objectSha('blob', Buffer.from(content, 'utf8'));
}

export interface TreeEntry {
  /** Full path from the repository root. */
  path: string;
  name: string;
  type: 'blob' | 'tree';
  /** `100644` for files, `040000` for directories (as Gitea prints them). */
  mode: string;
  sha: string;
  size: number;
}

export interface GitTree {
  sha: string;
  /** Direct children, in git's order. */
  entries: TreeEntry[];
  /** Sub-trees by directory path. */
  subtrees: Map<string, GitTree>;
}

interface DirNode {
  files: Map<string, string>;
  dirs: Map<string, DirNode>;
}

function insert(root: DirNode, path: string, content: string): void {
  const parts = path.split('/').filter((part) => part.length > 0);
  let node = root;
  for (const dir of parts.slice(0, -1)) {
    let next = node.dirs.get(dir);
    if (!next) {
      next = { files: new Map(), dirs: new Map() };
      node.dirs.set(dir, next);
    }
    node = next;
  }
  const name = parts.at(-1);
  if (name) node.files.set(name, content);
}

/** Git sorts tree entries by name, comparing a directory as if its name ended with '/'. */
function gitOrder(a: { name: string; type: string }, b: { name: string; type: string }): number {
  const ka = Buffer.from(a.type === 'tree' ? `${a.name}/` : a.name);
  const kb = Buffer.from(b.type === 'tree' ? `${b.name}/` : b.name);
  return Buffer.compare(ka, kb);
}

function buildNode(node: DirNode, prefix: string): GitTree {
  const subtrees = new Map<string, GitTree>();
  const entries: TreeEntry[] = [];
  for (const [name, content] of node.files) {
    entries.push({
      path: prefix + name,
      name,
      type: 'blob',
      mode: '100644',
      sha: blobSha(content),
      size: Buffer.byteLength(content),
    });
  }
  for (const [name, child] of node.dirs) {
    const tree = buildNode(child, `${prefix}${name}/`);
    subtrees.set(prefix + name, tree);
    for (const [path, sub] of tree.subtrees) subtrees.set(path, sub);
    entries.push({ path: prefix + name, name, type: 'tree', mode: '040000', sha: tree.sha, size: 0 });
  }
  entries.sort(gitOrder);
  const body = Buffer.concat(
    entries.map((entry) =>
      Buffer.concat([
        Buffer.from(`${entry.type === 'tree' ? '40000' : '100644'} ${entry.name}\0`),
        Buffer.from(entry.sha, 'hex'),
      ]),
    ),
  );
  return { sha: objectSha('tree', body), entries, subtrees };
}

export function buildTree(files: ReadonlyMap<string, string>): GitTree {
  const root: DirNode = { files: new Map(), dirs: new Map() };
  for (const [path, content] of files) insert(root, path, content);
  return buildNode(root, '');
}

/** Every entry below `tree`, depth first, each directory before its contents (git ls-tree -r -t). */
export function listRecursive(tree: GitTree): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const entry of tree.entries) {
    out.push(entry);
    if (entry.type === 'tree') {
      const sub = tree.subtrees.get(entry.path);
      if (sub) out.push(...listRecursive(sub));
    }
  }
  return out;
}

export function commitSha(opts: {
  tree: string;
  parents: string[];
  author: { name: string; email: string };
  authorWhen: Date;
  committer: { name: string; email: string };
  committerWhen: Date;
  message: string;
}): string {
  const signature = (who: { name: string; email: string }, when: Date) =>
    `${who.name} <${who.email}> ${Math.floor(when.getTime() / 1000)} +0000`;
  const lines = [
    `tree ${opts.tree}`,
    ...opts.parents.map((p) => `parent ${p}`),
    `author ${signature(opts.author, opts.authorWhen)}`,
    `committer ${signature(opts.committer, opts.committerWhen)}`,
  ];
  return objectSha('commit', Buffer.from(`${lines.join('\n')}\n\n${opts.message}`));
}
