import { describe, expect, it } from 'vitest';
import { classifyFeature } from '../../src/planning/builtin/classify.ts';
import {
  bakeryRepo,
  clinicRepo,
  inventoryRepo,
  ledgerRepo,
  ordersServiceRepo,
  releasectlRepo,
  shopfrontRepo,
  storefrontNextRepo,
} from '../../src/planning/builtin/example-repos.ts';

describe('classifyFeature', () => {
  const table = [
    // payments
    ['Accept Stripe payments at checkout', '', shopfrontRepo, 'payments'],
    ['Add PayPal as a payment option', 'Customers keep asking for it.', shopfrontRepo, 'payments'],
    ['Subscription billing for teams', 'Monthly plans with a card on file.', inventoryRepo, 'payments'],
    // authentication
    ['Add login with email and password', '', shopfrontRepo, 'authentication'],
    ['Support SSO via SAML for enterprise customers', '', ordersServiceRepo, 'authentication'],
    ['Two-factor authentication with TOTP', '', clinicRepo, 'authentication'],
    // crud_api
    ['CRUD API for warehouses', '', inventoryRepo, 'crud_api'],
    ['Endpoints to create, update and delete tags', 'A REST API for tags.', inventoryRepo, 'crud_api'],
    // ui_page
    ['New dashboard page for sales figures', '', shopfrontRepo, 'ui_page'],
    ['Dark mode for the settings screen', '', storefrontNextRepo, 'ui_page'],
    // integration
    ['Post new orders to Slack', 'Integrate with our Slack workspace.', shopfrontRepo, 'integration'],
    ['Sync issues with Jira', '', inventoryRepo, 'integration'],
    // notifications
    ['Email customers when their order ships', '', ordersServiceRepo, 'notifications'],
    ['Send SMS reminders before appointments', '', clinicRepo, 'notifications'],
    // search
    ['Product search with autocomplete', '', storefrontNextRepo, 'search'],
    ['Full-text search over articles', '', clinicRepo, 'search'],
    // import_export
    ['Import customers from a CSV file', '', clinicRepo, 'import_export'],
    ['Export invoices to Excel', '', clinicRepo, 'import_export'],
    // data_migration
    ['Backfill the new currency column for existing orders', '', shopfrontRepo, 'data_migration'],
    [
      'Split the name column into first_name and last_name',
      'A data migration for all customers.',
      clinicRepo,
      'data_migration',
    ],
    // bug_fix: an intent wins over the area it touches
    ['Checkout crashes when paying with PayPal', '', shopfrontRepo, 'bug_fix'],
    ['Fix: 500 error when saving a profile with an emoji', '', clinicRepo, 'bug_fix'],
    [
      'Cart total becomes negative',
      'Steps to reproduce: apply a coupon. Expected: never below zero.',
      bakeryRepo,
      'bug_fix',
    ],
    // performance
    ['Search page is slow with 1M products', '', storefrontNextRepo, 'performance'],
    ['Reduce memory usage of the import worker', 'It gets OOM-killed.', clinicRepo, 'performance'],
    ['Balance sheet endpoint latency', 'p95 is 9 seconds.', ledgerRepo, 'performance'],
    // general (configuration template) and fallbacks
    ['Config file support', 'Keep the token in a config file instead of flags.', releasectlRepo, 'general'],
    ['Add integration tests for the API', '', inventoryRepo, 'general'],
    ['Migrate from Jest to Vitest', '', inventoryRepo, 'general'],
    ['Remove circular import between the cart and order modules', '', shopfrontRepo, 'general'],
    ['Improve the README wording', '', releasectlRepo, 'general'],
  ] as const;

  it.each(table)('%s → %s', (title, body, repo, expected) => {
    expect(classifyFeature(title, body, repo).featureType).toBe(expected);
  });

  it('covers every feature type in the table', () => {
    expect(new Set(table.map((row) => row[3])).size).toBe(12);
  });

  it('uses the configuration template for config-file work and explains itself with signals', () => {
    const result = classifyFeature('Config file support', '', releasectlRepo);
    expect(result.template).toBe('configuration');
    expect(result.signals[0]).toMatchObject({ term: 'config file', where: 'title' });
    expect(result.signals.some((s) => s.where === 'stack' && s.term === 'CLI framework')).toBe(true);
  });

  it('weighs the title above the body', () => {
    const result = classifyFeature(
      'Email notifications',
      'They should also show up in search and in the search index.',
      shopfrontRepo,
    );
    expect(result.featureType).toBe('notifications');
    expect(result.scores.notifications).toBeGreaterThan(result.scores.search ?? 0);
  });

  it('names the area a bug fix touches and is confident when the signals are clear', () => {
    const result = classifyFeature(
      'Checkout crashes when paying with PayPal',
      'Stripe works. PayPal payments crash with an exception.',
      shopfrontRepo,
    );
    expect(result.featureType).toBe('bug_fix');
    expect(result.area).toBe('payments');
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it('is not confident about vague requests and falls back to general', () => {
    const result = classifyFeature('Make it better', 'Some improvements would be nice.', shopfrontRepo);
    expect(result.featureType).toBe('general');
    expect(result.confidence).toBeLessThan(0.5);
  });

  it('lets negative hints subtract: "integration tests" is not an integration', () => {
    const result = classifyFeature('Add integration tests for the Slack client', '', shopfrontRepo);
    expect(result.scores.integration ?? 0).toBeLessThan(
      classifyFeature('Add a Slack integration', '', shopfrontRepo).scores.integration!,
    );
  });

  it('treats a UI request in a repository without a frontend as less likely UI work', () => {
    const withUi = classifyFeature('Settings page', '', shopfrontRepo).scores.ui_page!;
    const withoutUi = classifyFeature('Settings page', '', ledgerRepo).scores.ui_page!;
    expect(withoutUi).toBeLessThan(withUi);
  });

  it('is deterministic', () => {
    const a = classifyFeature('Accept Stripe payments', 'with refunds', shopfrontRepo);
    const b = classifyFeature('Accept Stripe payments', 'with refunds', shopfrontRepo);
    expect(a).toEqual(b);
  });
});
