import type { FeatureType } from '../../schemas.ts';
import type { Decisions, PlanContext, Topic } from '../topics.ts';

/** Template ids: one per FeatureType, plus finer templates that map onto `general`. */
export type TemplateId = Exclude<FeatureType, 'general'> | 'configuration' | 'general';

/** Relative size of a step; the decomposer turns it into an estimate. */
export type StepSize = 'S' | 'M' | 'L' | 'XL';

/** One subtask a template proposes before dependencies are wired and the list is fitted to the limit. */
export interface Step {
  key: string;
  title: string;
  description: string;
  acceptance: string[];
  size: StepSize;
  /** Keys of steps this one needs; keys of steps that were not proposed are skipped over. */
  dependsOn: string[];
  /** 1 = essential … 3 = first to be merged into a neighbour when there are too many steps. */
  priority: 1 | 2 | 3;
}

/** Everything a template needs to write the spec and the steps. */
export interface SpecContext extends PlanContext {
  d: Decisions;
  /** Extra requirements recognised in the issue or in review feedback (rate limiting, audit log…). */
  addons: string[];
}

export interface FeatureTemplate {
  id: TemplateId;
  featureType: FeatureType;
  /** Human name of the kind of work, e.g. "Payments". */
  label: string;
  /** What the feature is about when the issue title names nothing better. */
  defaultSubject: string;
  /** Picks the subject from the issue; default: nouns after "for/of/manage" in the title. */
  subject?: (ctx: Omit<PlanContext, 'names'>) => string | null;
  /** Ordered by importance: the first ones are asked first. */
  topics: Topic[];
  /** 0 = low … 3 = very_high, before adjustments for repo size and add-ons. */
  complexity: (ctx: SpecContext) => number;
  goals: (ctx: SpecContext) => string[];
  /** Bullet lines (markdown) naming the modules/files to add or change. */
  architecture: (ctx: SpecContext) => string[];
  edgeCases: (ctx: SpecContext) => string[];
  acceptance: (ctx: SpecContext) => string[];
  steps: (ctx: SpecContext) => Step[];
  /** The step add-on work attaches to (e.g. the API step). */
  coreStep: string;
  /** The step that documents the feature; add-ons come before it. */
  docsStep: string;
}
