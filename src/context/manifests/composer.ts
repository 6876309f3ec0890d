import { type LabelRule, labelDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const COMPOSER_RULES: readonly LabelRule[] = [
  ['laravel/framework', 'Laravel', 'framework'],
  ['livewire/livewire', 'Livewire', 'framework'],
  ['symfony/framework-bundle', 'Symfony', 'framework'],
  ['slim/slim', 'Slim', 'framework'],
  ['cakephp/cakephp', 'CakePHP', 'framework'],
  ['yiisoft/yii2', 'Yii', 'framework'],
  ['doctrine/orm', 'Doctrine ORM', 'framework'],
  ['stripe/stripe-php', 'Stripe SDK', 'framework'],
  ['phpunit/phpunit', 'PHPUnit', 'test'],
  ['pestphp/pest', 'Pest', 'test'],
  ['behat/behat', 'Behat', 'test'],
  ['codeception/codeception', 'Codeception', 'test'],
];

function requireTable(value: unknown, dev: boolean): DeclaredDependency[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return (
    Object.entries(value)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      // `php` and `ext-*` are platform requirements, not libraries.
      .filter(([name]) => name.includes('/'))
      .map(([name, version]) => ({ name, version, dev }))
  );
}

export function parseComposerJson(input: ManifestInput): ManifestFindings {
  const manifest: unknown = JSON.parse(input.text);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new Error('composer.json is not a JSON object');
  }
  const record = manifest as Record<string, unknown>;
  const dependencies = [...requireTable(record.require, false), ...requireTable(record['require-dev'], true)];
  return { ...labelDependencies(dependencies, COMPOSER_RULES), dependencies, packageManager: 'Composer' };
}
