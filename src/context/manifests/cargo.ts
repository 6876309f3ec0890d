import { type LabelRule, labelDependencies } from './dependency-labels.ts';
import { readToml, versionOf } from './toml-entries.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const CARGO_RULES: readonly LabelRule[] = [
  ['axum', 'Axum', 'framework'],
  ['actix-web', 'Actix Web', 'framework'],
  ['rocket', 'Rocket', 'framework'],
  ['warp', 'warp', 'framework'],
  ['poem', 'Poem', 'framework'],
  ['tonic', 'tonic', 'framework'],
  ['leptos', 'Leptos', 'framework'],
  ['yew', 'Yew', 'framework'],
  ['tauri', 'Tauri', 'framework'],
  ['bevy', 'Bevy', 'framework'],
  ['tokio', 'Tokio', 'framework'],
  ['hyper', 'hyper', 'framework'],
  ['serde', 'Serde', 'framework'],
  ['diesel', 'Diesel', 'framework'],
  ['sqlx', 'SQLx', 'framework'],
  ['sea-orm', 'SeaORM', 'framework'],
  ['clap', 'clap', 'framework'],
  ['reqwest', 'reqwest', 'framework'],
  ['async-stripe', 'Stripe SDK', 'framework'],
  ['proptest', 'proptest', 'test'],
  ['rstest', 'rstest', 'test'],
  ['mockall', 'mockall', 'test'],
  ['insta', 'insta', 'test'],
  ['criterion', 'Criterion', 'test'],
];

/** `dependencies`, `dev-dependencies`, `workspace.dependencies`, `target.'cfg(unix)'.dependencies`. */
const DEPENDENCY_TABLE = /^(?:workspace\.|target\..+\.)?(dependencies|dev-dependencies|build-dependencies)$/;
/** `[dependencies.serde]` with the version inside the table. */
const DEPENDENCY_SUBTABLE =
  /^(?:workspace\.|target\..+\.)?(dependencies|dev-dependencies|build-dependencies)\.([^.]+)$/;

export function parseCargoToml(input: ManifestInput): ManifestFindings {
  const document = readToml(input.text);
  if (!document.tables.has('package') && !document.tables.has('workspace')) {
    throw new Error('Cargo.toml has neither [package] nor [workspace]');
  }
  const dependencies: DeclaredDependency[] = [];
  for (const table of document.tables) {
    const subtable = DEPENDENCY_SUBTABLE.exec(table);
    if (subtable?.[1] && subtable[2]) {
      const version = document.entries.find((entry) => entry.table === table && entry.key === 'version');
      dependencies.push({
        name: subtable[2],
        version: version ? versionOf(version.raw) : '',
        dev: subtable[1] === 'dev-dependencies',
      });
    }
  }
  for (const entry of document.entries) {
    const section = DEPENDENCY_TABLE.exec(entry.table)?.[1];
    if (!section) continue;
    // `serde.workspace = true` is a dotted key naming the dependency `serde`.
    const name = entry.key.split('.')[0] ?? entry.key;
    dependencies.push({ name, version: versionOf(entry.raw), dev: section === 'dev-dependencies' });
  }
  const { frameworks, testTools } = labelDependencies(dependencies, CARGO_RULES);
  return { frameworks, testTools: ['cargo test', ...testTools], dependencies, packageManager: 'cargo' };
}
