import { type LabelRule, labelDependencies, uniqueDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const RUBY_RULES: readonly LabelRule[] = [
  ['rails', 'Rails', 'framework'],
  ['sinatra', 'Sinatra', 'framework'],
  ['hanami', 'Hanami', 'framework'],
  ['grape', 'Grape', 'framework'],
  ['activerecord', 'Active Record', 'framework'],
  ['sequel', 'Sequel', 'framework'],
  ['devise', 'Devise', 'framework'],
  ['sidekiq', 'Sidekiq', 'framework'],
  ['hotwire-rails', 'Hotwire', 'framework'],
  ['turbo-rails', 'Hotwire', 'framework'],
  ['stripe', 'Stripe SDK', 'framework'],
  ['rspec', 'RSpec', 'test'],
  ['rspec-*', 'RSpec', 'test'],
  ['minitest', 'Minitest', 'test'],
  ['capybara', 'Capybara', 'test'],
  ['factory_bot*', 'factory_bot', 'test'],
  ['cucumber*', 'Cucumber', 'test'],
];

export function parseGemfile(input: ManifestInput): ManifestFindings {
  const dependencies: DeclaredDependency[] = [];
  let devGroupDepth = 0;
  for (const rawLine of input.text.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (/^group\b.*\bdo$/.test(line)) {
      // Gems in a group that includes :test or :development are for development only.
      if (devGroupDepth > 0 || /:(test|development)\b/.test(line)) devGroupDepth++;
      continue;
    }
    if (line === 'end' && devGroupDepth > 0) {
      devGroupDepth--;
      continue;
    }
    const gem = /^gem\s+["']([^"']+)["'](?:\s*,\s*["']([^"']+)["'])?/.exec(line);
    if (!gem?.[1]) continue;
    const dev = devGroupDepth > 0 || /group:\s*\[?\s*:(test|development)/.test(line);
    dependencies.push({ name: gem[1], version: gem[2] ?? '', dev });
  }
  const unique = uniqueDependencies(dependencies);
  return { ...labelDependencies(unique, RUBY_RULES), dependencies: unique, packageManager: 'Bundler' };
}
