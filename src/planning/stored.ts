import type { SpecRow } from '../db/specs.ts';
import type { TaskRow } from '../db/tasks.ts';
import { FEATURE_TYPES, type FeatureType, type Spec } from './schemas.ts';

/** The planner's types read back from the rows they were stored in. */

export function specFromRow(row: SpecRow): Spec {
  return {
    title: row.title,
    summary: row.summary ?? '',
    goals: row.goals,
    context: row.context,
    architecture: row.architecture,
    edgeCases: row.edgeCases,
    acceptanceCriteria: row.acceptanceCriteria,
    estimatedComplexity: row.estimatedComplexity,
    assumptions: row.assumptions,
    changeSummary: row.changeSummary ?? '',
  };
}

/** The feature type the questions were asked for; `general` when none (or an unknown one) is stored. */
export function featureTypeOf(task: Pick<TaskRow, 'featureType'>): FeatureType {
  return (FEATURE_TYPES as readonly string[]).includes(task.featureType ?? '')
    ? (task.featureType as FeatureType)
    : 'general';
}
