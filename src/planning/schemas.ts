import { z } from 'zod';
import { COMPLEXITIES } from '../db/schema.ts';

/**
 * The shapes every planner (builtin or LLM) must return. LLM output is validated against
 * exactly these; the builtin planner is typed by them.
 */

export const FEATURE_TYPES = [
  'authentication',
  'payments',
  'crud_api',
  'ui_page',
  'integration',
  'notifications',
  'search',
  'import_export',
  'data_migration',
  'bug_fix',
  'performance',
  'general',
] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const questionSchema = z.object({
  question: z.string().min(5).max(400),
  why: z.string().min(5).max(400),
  options: z.array(z.string().min(1).max(120)).max(6),
  /** What the spec will assume if nobody answers. */
  assumption: z.string().min(3).max(400),
});
export type Question = z.infer<typeof questionSchema>;

export const questionsSchema = z.object({
  featureType: z.enum(FEATURE_TYPES),
  /** Empty when the issue is already precise enough to go straight to the spec. */
  questions: z.array(questionSchema).max(10),
});
export type Questions = z.infer<typeof questionsSchema>;

export const specSchema = z.object({
  title: z.string().min(3).max(200),
  summary: z.string().min(10).max(1500),
  goals: z.array(z.string().min(3)).min(1).max(12),
  /** What exists now, from the repository. */
  context: z.string().min(10),
  architecture: z.string().min(10),
  edgeCases: z.array(z.string().min(3)).min(1).max(20),
  acceptanceCriteria: z.array(z.string().min(3)).min(1).max(20),
  estimatedComplexity: z.enum(COMPLEXITIES),
  assumptions: z.array(z.string().min(3)).max(20),
  /** One short line: what changed compared with the previous version (or "First version."). */
  changeSummary: z.string().min(3).max(300),
});
export type Spec = z.infer<typeof specSchema>;

export const subtaskSchema = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'keys are short slugs: lowercase letters, digits and dashes'),
  title: z.string().min(3).max(200),
  description: z.string().min(10),
  acceptanceCriteria: z.array(z.string().min(3)).min(1).max(12),
  /** e.g. "2h", "1d" */
  estimate: z.string().min(1).max(32),
  dependsOn: z.array(z.string()).max(20),
});
export type Subtask = z.infer<typeof subtaskSchema>;

export const decompositionSchema = z.object({
  subtasks: z.array(subtaskSchema).min(1).max(50),
});
export type Decomposition = z.infer<typeof decompositionSchema>;
