import { fileNameOf } from '../path-roles.ts';
import { type LabelRule, labelDependencies, uniqueDependencies } from './dependency-labels.ts';
import { quotedStrings, readToml, type TomlDocument, versionOf } from './toml-entries.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const PYTHON_RULES: readonly LabelRule[] = [
  ['django', 'Django', 'framework'],
  ['djangorestframework', 'Django REST framework', 'framework'],
  ['channels', 'Django Channels', 'framework'],
  ['flask', 'Flask', 'framework'],
  ['fastapi', 'FastAPI', 'framework'],
  ['starlette', 'Starlette', 'framework'],
  ['aiohttp', 'aiohttp', 'framework'],
  ['tornado', 'Tornado', 'framework'],
  ['streamlit', 'Streamlit', 'framework'],
  ['graphene*', 'Graphene', 'framework'],
  ['strawberry-graphql', 'Strawberry', 'framework'],
  ['sqlalchemy', 'SQLAlchemy', 'framework'],
  ['sqlmodel', 'SQLModel', 'framework'],
  ['alembic', 'Alembic', 'framework'],
  ['peewee', 'peewee', 'framework'],
  ['tortoise-orm', 'Tortoise ORM', 'framework'],
  ['pydantic', 'Pydantic', 'framework'],
  ['celery', 'Celery', 'framework'],
  ['uvicorn', 'Uvicorn', 'framework'],
  ['gunicorn', 'Gunicorn', 'framework'],
  ['pandas', 'pandas', 'framework'],
  ['numpy', 'NumPy', 'framework'],
  ['torch', 'PyTorch', 'framework'],
  ['tensorflow', 'TensorFlow', 'framework'],
  ['scikit-learn', 'scikit-learn', 'framework'],
  ['langchain', 'LangChain', 'framework'],
  ['scrapy', 'Scrapy', 'framework'],
  ['click', 'Click', 'framework'],
  ['typer', 'Typer', 'framework'],
  ['stripe', 'Stripe SDK', 'framework'],
  ['boto3', 'AWS SDK', 'framework'],
  ['pytest', 'pytest', 'test'],
  ['pytest-*', 'pytest', 'test'],
  ['hypothesis', 'Hypothesis', 'test'],
  ['tox', 'tox', 'test'],
  ['nose', 'nose', 'test'],
  ['behave', 'behave', 'test'],
  ['selenium', 'Selenium', 'test'],
  ['playwright', 'Playwright', 'test'],
];

/** PEP 503: `Django_REST.framework` and `django-rest-framework` are one project. */
function normalisePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** One PEP 508 line: `Django[argon2]>=4.2,<5 ; python_version >= "3.10"`; null for options and URLs without a name. */
function pep508(line: string, dev: boolean): DeclaredDependency | null {
  const text = line.replace(/\s+#.*$/, '').trim();
  if (text === '' || text.startsWith('#') || text.startsWith('-')) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !line.includes('#egg=')) return null;
  const egg = /#egg=([A-Za-z0-9._-]+)/.exec(line)?.[1];
  if (egg) return { name: normalisePythonName(egg), version: '', dev };
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)/.exec(text);
  if (!match?.[1]) return null;
  const version = (match[2] ?? '').trim();
  if (version.includes('://')) return { name: normalisePythonName(match[1]), version: '', dev };
  return { name: normalisePythonName(match[1]), version, dev };
}

function findings(
  dependencies: DeclaredDependency[],
  packageManager: string,
  extraTests: string[] = [],
): ManifestFindings {
  const unique = uniqueDependencies(dependencies);
  const labels = labelDependencies(unique, PYTHON_RULES);
  for (const tool of extraTests) if (!labels.testTools.includes(tool)) labels.testTools.unshift(tool);
  return { ...labels, dependencies: unique, packageManager };
}

/** The installer a Python project uses, from its lock files and tool tables. */
function pythonPackageManager(input: ManifestInput, document?: TomlDocument): string {
  const hasTable = (prefix: string) =>
    [...(document?.tables ?? [])].some((table) => table.startsWith(prefix));
  if (input.hasNearby('poetry.lock') || hasTable('tool.poetry')) return 'Poetry';
  if (input.hasNearby('uv.lock') || hasTable('tool.uv')) return 'uv';
  if (input.hasNearby('pdm.lock') || hasTable('tool.pdm')) return 'PDM';
  if (input.hasNearby('Pipfile.lock') || input.hasNearby('Pipfile')) return 'Pipenv';
  if (hasTable('tool.hatch')) return 'Hatch';
  return 'pip';
}

function isDevRequirementsFile(path: string): boolean {
  return /(^|[-_/.])(dev|test|tests|testing|lint|ci|docs)([-_.]|$)/.test(path.replace(/\.txt$/, ''));
}

export function parseRequirementsTxt(input: ManifestInput): ManifestFindings {
  const dev = isDevRequirementsFile(fileNameOf(input.path));
  const dependencies = input.text
    .split(/\r?\n/)
    .map((line) => pep508(line, dev))
    .filter((dependency): dependency is DeclaredDependency => dependency !== null);
  return findings(dependencies, pythonPackageManager(input));
}

export function parsePyprojectToml(input: ManifestInput): ManifestFindings {
  const document = readToml(input.text);
  const dependencies: DeclaredDependency[] = [];
  for (const entry of document.entries) {
    const { table, key, raw } = entry;
    if (table === 'project' && key === 'dependencies') {
      for (const line of quotedStrings(raw)) dependencies.push(...nonNull(pep508(line, false)));
    } else if (table === 'project.optional-dependencies' || table === 'dependency-groups') {
      const dev = /^(dev|test|tests|testing|lint|docs)$/.test(key);
      for (const line of quotedStrings(raw)) dependencies.push(...nonNull(pep508(line, dev)));
    } else if (/^tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)$/.test(table)) {
      if (key === 'python') continue;
      const dev = table !== 'tool.poetry.dependencies';
      dependencies.push({ name: normalisePythonName(key), version: versionOf(raw), dev });
    }
  }
  const extraTests = document.tables.has('tool.pytest.ini_options') ? ['pytest'] : [];
  return findings(dependencies, pythonPackageManager(input, document), extraTests);
}

function nonNull<T>(value: T | null): T[] {
  return value === null ? [] : [value];
}

/** `install_requires=[...]`, `tests_require=[...]` and `extras_require={...}` of a setup.py. */
export function parseSetupPy(input: ManifestInput): ManifestFindings {
  const dependencies: DeclaredDependency[] = [];
  const lists: ReadonlyArray<readonly [RegExp, boolean]> = [
    [/install_requires\s*=\s*\[([\s\S]*?)\]/, false],
    [/tests_require\s*=\s*\[([\s\S]*?)\]/, true],
    [/extras_require\s*=\s*\{([\s\S]*?)\}/, true],
  ];
  for (const [pattern, dev] of lists) {
    const body = pattern.exec(input.text)?.[1];
    if (!body) continue;
    for (const line of quotedStrings(body)) dependencies.push(...nonNull(pep508(line, dev)));
  }
  return findings(dependencies, pythonPackageManager(input));
}

export function parsePipfile(input: ManifestInput): ManifestFindings {
  const document = readToml(input.text);
  const dependencies = document.entries
    .filter((entry) => entry.table === 'packages' || entry.table === 'dev-packages')
    .map((entry) => ({
      name: normalisePythonName(entry.key),
      version: versionOf(entry.raw).replace(/^\*$/, ''),
      dev: entry.table === 'dev-packages',
    }));
  return findings(dependencies, 'Pipenv');
}
