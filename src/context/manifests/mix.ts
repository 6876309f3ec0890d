import { type LabelRule, labelDependencies, uniqueDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const MIX_RULES: readonly LabelRule[] = [
  ['phoenix', 'Phoenix', 'framework'],
  ['phoenix_live_view', 'Phoenix LiveView', 'framework'],
  ['ecto', 'Ecto', 'framework'],
  ['ecto_sql', 'Ecto', 'framework'],
  ['absinthe', 'Absinthe', 'framework'],
  ['oban', 'Oban', 'framework'],
  ['broadway', 'Broadway', 'framework'],
  ['stripity_stripe', 'Stripe SDK', 'framework'],
  ['mox', 'Mox', 'test'],
  ['wallaby', 'Wallaby', 'test'],
  ['ex_machina', 'ExMachina', 'test'],
];

export function parseMixExs(input: ManifestInput): ManifestFindings {
  if (!/\bdefmodule\b[\s\S]*\bdo\b/.test(input.text)) throw new Error('mix.exs defines no module');
  // Only the deps function: other tuples in mix.exs (aliases, releases) are not dependencies.
  const depsStart = input.text.search(/\bdefp?\s+deps\b/);
  const afterDeps = depsStart === -1 ? input.text : input.text.slice(depsStart);
  const nextFunction = afterDeps.slice(1).search(/\n\s*defp?\s/);
  const depsBody = nextFunction === -1 ? afterDeps : afterDeps.slice(0, nextFunction + 1);
  const dependencies: DeclaredDependency[] = [];
  // `{:phoenix, "~> 1.7"}`, `{:credo, "~> 1.7", only: [:dev, :test]}`, `{:dep, github: "x/y"}`
  for (const match of depsBody.matchAll(/\{\s*:([a-z0-9_]+)\s*,\s*(?:"([^"]*)")?([^}]*)\}/g)) {
    const [, name = '', version = '', options = ''] = match;
    dependencies.push({
      name,
      version,
      dev: /only:\s*\[?\s*:(test|dev)\b/.test(options) && !/:prod\b/.test(options),
    });
  }
  const unique = uniqueDependencies(dependencies);
  const labels = labelDependencies(unique, MIX_RULES);
  return {
    frameworks: labels.frameworks,
    testTools: ['ExUnit', ...labels.testTools],
    dependencies: unique,
    packageManager: 'Mix',
  };
}
