import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliCommands } from '../support/cli.ts';

/**
 * docs/deploying.md gives the commands an operator runs by hand; the compose quick start runs
 * them from deploy/compose/. One source: the Gitea CLI lines and the SQL the document shows are
 * the scripts' own lines, the token scopes are the ones the scripts and `aiworker doctor` ask
 * for, and every `aiworker` command it shows is one the CLI has.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const doc = read('docs/deploying.md');
const setupScript = read('deploy/compose/setup-gitea.sh');
const mariadbInit = read('deploy/compose/mariadb-init.sh');

/** The lines of a document's fenced code blocks of one language. */
const codeLines = (markdown: string, language: string) =>
  [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].flatMap((block) =>
    block[1]!.split('\n').map((line) => line.trim()),
  );
const giteaCliLines = (lines: string[]) => lines.filter((line) => /(^|\$\()gitea admin /.test(line));
const TOKEN_SCOPES = /--scopes (\S+)/;

describe('docs/deploying.md', () => {
  it('shows the Gitea CLI commands the compose setup runs, word for word, and no others', () => {
    const scriptLines = giteaCliLines(setupScript.split('\n').map((line) => line.trim()));
    expect(scriptLines).toHaveLength(3);
    const shown = [
      ...giteaCliLines(codeLines(doc, 'sh')),
      ...[...doc.matchAll(/`(gitea admin [^`]+)`/g)].map((m) => m[1]!),
    ];
    for (const line of scriptLines) expect(doc, line).toContain(line);
    for (const line of giteaCliLines(codeLines(doc, 'sh'))) expect(scriptLines, line).toContain(line);
    expect(shown.length).toBeGreaterThanOrEqual(3);
  });

  it('asks for the token scopes the setup uses and `aiworker doctor` names, and lists each', () => {
    const scopes = TOKEN_SCOPES.exec(setupScript)?.[1]?.split(',') ?? [];
    expect(scopes.sort()).toEqual(['read:user', 'write:issue', 'write:repository']);
    const doctor = read('src/gitea/doctor.ts');
    for (const scope of scopes) {
      expect(doctor, scope).toContain(scope);
      expect(doc, scope).toMatch(new RegExp(`^\\s*\\| \`${scope}\` \\|`, 'm'));
    }
  });

  it('gives the database grants of the compose setup', () => {
    const sql = codeLines(doc, 'sql').filter(Boolean);
    const fromScript = mariadbInit.split('\n').filter((line) => /aiworker/.test(line) && /;$/.test(line));
    expect(sql).toHaveLength(fromScript.length);
    const withoutPassword = (line: string) => line.replace(/IDENTIFIED BY '[^']*'/, "IDENTIFIED BY '…'");
    expect(sql.map(withoutPassword)).toEqual(fromScript.map(withoutPassword));
  });

  it('sets ALLOWED_HOST_LIST the way compose.yaml does, and says how to make a webhook secret', () => {
    const compose = parse(read('compose.yaml')) as {
      services: { gitea: { environment: Record<string, string> } };
    };
    const allowed = compose.services.gitea.environment.GITEA__webhook__ALLOWED_HOST_LIST;
    expect(doc).toContain(`GITEA__webhook__ALLOWED_HOST_LIST: ${allowed}`);
    expect(codeLines(doc, 'ini')).toEqual(
      expect.arrayContaining(['[webhook]', 'ALLOWED_HOST_LIST = aiworker.example.com']),
    );
    expect(codeLines(doc, 'sh')).toContain('openssl rand -hex 32');
  });

  it('runs only commands the aiworker CLI has', () => {
    const commands = cliCommands();
    // In inline code, in shell lines, and wherever the binary is run by path.
    const used = [
      ...[...doc.matchAll(/`aiworker ([a-z]+)\b/g)].map((m) => m[1]!),
      ...codeLines(doc, 'sh').flatMap((line) => /^aiworker ([a-z]+)\b/.exec(line)?.[1] ?? []),
      ...[...doc.matchAll(/node bin\/aiworker\.js ([a-z]+)\b/g)].map((m) => m[1]!),
    ];
    expect(new Set(used)).toEqual(new Set(['migrate', 'start', 'setup', 'doctor', 'serve', 'worker']));
    for (const command of used) expect(commands, command).toContain(command);
  });

  it('links only to files that exist', () => {
    const links = [...doc.matchAll(/`((?:deploy|k8s|agent|docs)\/[\w./-]+|compose\.yaml|Dockerfile)`/g)].map(
      (m) => m[1]!,
    );
    expect(links.length).toBeGreaterThan(8);
    for (const link of links) expect(existsSync(path.join(ROOT, link)), link).toBe(true);
    for (const anchor of doc.matchAll(/\]\(#([\w-]+)\)/g)) {
      const headings = [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\s-]/g, '')
          .replace(/\s/g, '-'),
      );
      expect(headings, anchor[1]).toContain(anchor[1]);
    }
  });

  it('is pointed to from the end of README.md', () => {
    const readme = read('README.md');
    const last = readme.slice(readme.lastIndexOf('\n## '));
    expect(last).toMatch(/^\n## Deploying\n/);
    expect(last).toContain('(docs/deploying.md)');
  });
});
