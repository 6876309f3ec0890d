import type { RepoContext } from '../context/types.ts';
import type { Decomposition, FeatureType, Questions, Spec } from './schemas.ts';

/** An answered (or unanswered) clarifying question as the planner sees it. */
export interface AnsweredQuestion {
  ordinal: number;
  question: string;
  why: string;
  options: string[];
  assumption: string;
  /** null when unanswered: the spec must then state `assumption` explicitly. */
  answer: string | null;
  answeredBy: string | null;
}

/** The issue as the planner sees it. Title and body are untrusted user text. */
export interface IssueInput {
  repo: string;
  number: number;
  title: string;
  body: string;
  author: string;
}

export interface QuestionsInput {
  issue: IssueInput;
  context: RepoContext;
  maxQuestions: number;
}

export interface SpecInput {
  issue: IssueInput;
  context: RepoContext;
  featureType: FeatureType;
  questions: AnsweredQuestion[];
  /** The previous version and the feedback that asks for a new one (`/revise-spec`). */
  previous?: { version: number; spec: Spec; feedback: string };
}

export interface DecomposeInput {
  issue: IssueInput;
  context: RepoContext;
  featureType: FeatureType;
  spec: Spec;
  specVersion: number;
  maxSubtasks: number;
  /** When a previous attempt was invalid: what was wrong with it (for a repair attempt). */
  repairHint?: string;
}

/** Who is paying for the call, so usage and budgets can be accounted. */
export interface CallScope {
  repoId: number | null;
  taskId: number | null;
}

export interface Planner {
  readonly name: 'builtin' | 'anthropic' | 'openai';
  readonly model: string | null;
  askQuestions(input: QuestionsInput, scope: CallScope): Promise<Questions>;
  writeSpec(input: SpecInput, scope: CallScope): Promise<Spec>;
  decompose(input: DecomposeInput, scope: CallScope): Promise<Decomposition>;
}
