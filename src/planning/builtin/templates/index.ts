import type { FeatureType } from '../../schemas.ts';
import { authenticationTemplate } from './authentication.ts';
import { bugFixTemplate } from './bug-fix.ts';
import { configurationTemplate } from './configuration.ts';
import { crudApiTemplate } from './crud-api.ts';
import { dataMigrationTemplate } from './data-migration.ts';
import { generalTemplate } from './general.ts';
import { importExportTemplate } from './import-export.ts';
import { integrationTemplate } from './integration.ts';
import { notificationsTemplate } from './notifications.ts';
import { paymentsTemplate } from './payments.ts';
import { performanceTemplate } from './performance.ts';
import { searchTemplate } from './search.ts';
import type { FeatureTemplate, TemplateId } from './types.ts';
import { uiPageTemplate } from './ui-page.ts';

export const TEMPLATES: Record<TemplateId, FeatureTemplate> = {
  authentication: authenticationTemplate,
  payments: paymentsTemplate,
  crud_api: crudApiTemplate,
  ui_page: uiPageTemplate,
  integration: integrationTemplate,
  notifications: notificationsTemplate,
  search: searchTemplate,
  import_export: importExportTemplate,
  data_migration: dataMigrationTemplate,
  bug_fix: bugFixTemplate,
  performance: performanceTemplate,
  configuration: configurationTemplate,
  general: generalTemplate,
};

/**
 * The template for a feature type. `general` has finer templates (configuration); the
 * classifier's choice wins when it maps onto the requested type.
 */
export function templateFor(featureType: FeatureType, classified?: TemplateId): FeatureTemplate {
  if (classified && TEMPLATES[classified].featureType === featureType) return TEMPLATES[classified];
  return TEMPLATES[featureType];
}
