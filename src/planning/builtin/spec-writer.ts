import { COMPLEXITIES } from '../../db/schema.ts';
import type { SpecInput } from '../planner.ts';
import { type Spec, specSchema } from '../schemas.ts';
import { ADDONS, addonById } from './addons.ts';
import { type Classification, classifyFeature } from './classify.ts';
import { DECISIONS_HEADING, decisionLines, resolveDecisions } from './decisions.ts';
import { buildPlanContext } from './plan-context.ts';
import {
  applyFeedback,
  emptyReviewState,
  OUT_OF_SCOPE_PREFIX,
  type ReviewState,
  readReviewState,
} from './revision.ts';
import { stackPhrase } from './stack.ts';
import { templateFor } from './templates/index.ts';
import type { FeatureTemplate, SpecContext } from './templates/types.ts';
import { code } from './templates/wording.ts';
import { capitalize, mentions, quoteInline, truncate } from './text.ts';
import { type Decision, Decisions, offeredChoices, type PlanContext } from './topics.ts';

/**
 * Assembles a specification from the issue, the answers (with every unanswered question turned
 * into an explicit assumption), review feedback and the repository context.
 */

export interface SpecDraft {
  spec: Spec;
  ctx: SpecContext;
  template: FeatureTemplate;
  classification: Classification;
}

/** Cross-cutting requirements the issue itself asks for ("…with rate limiting"). */
function addonsInIssue(ctx: PlanContext): string[] {
  return ADDONS.filter((addon) => mentions(ctx.text, addon.match).some((m) => !m.negated)).map((a) => a.id);
}

/** Requirements a template already covers are not added twice (caching in performance work). */
function coveredByTemplate(template: FeatureTemplate, addonId: string): boolean {
  return (
    (template.id === 'performance' && addonId === 'caching') ||
    (template.id === 'notifications' && addonId === 'i18n')
  );
}

function withReviewDecisions(decisions: Decision[], state: ReviewState): Decision[] {
  return decisions.map((d) => {
    const reviewed = state.decisions.get(d.topic.id);
    return reviewed
      ? { ...d, values: reviewed.values, custom: null, source: { kind: 'review', version: reviewed.version } }
      : d;
  });
}

function complexityOf(template: FeatureTemplate, ctx: SpecContext): Spec['estimatedComplexity'] {
  let level = template.complexity(ctx);
  if (ctx.stack.fileCount > 5000) level += 1;
  if (ctx.addons.length >= 2) level += 1;
  return COMPLEXITIES[Math.max(0, Math.min(COMPLEXITIES.length - 1, level))]!;
}

function titleOf(template: FeatureTemplate, issueTitle: string): string {
  const clean = issueTitle
    .replace(/^\s*(feat(ure)?|fix|bug|perf)(\([^)]*\))?\s*:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  const base = clean.length >= 3 ? capitalize(clean) : template.label;
  return truncate(
    base.toLowerCase().startsWith(template.label.toLowerCase()) ? base : `${template.label}: ${base}`,
    200,
  );
}

function contextText(ctx: SpecContext, classification: Classification, template: FeatureTemplate): string {
  const repo = ctx.repo;
  const lines = [
    `${repo.repo} at \`${repo.commitSha.slice(0, 7)}\` (${repo.defaultBranch}): ${repo.stackSummary || stackPhrase(ctx.stack)}, ${repo.fileCount} files${repo.truncated ? ' (tree listing truncated)' : ''}.`,
  ];
  if (repo.description.trim()) lines.push(`Description: ${truncate(repo.description.trim(), 300)}`);
  const facts: string[] = [];
  if (ctx.stack.backendName) facts.push(`HTTP: ${ctx.stack.backendName}`);
  if (ctx.stack.frontendName) facts.push(`UI: ${ctx.stack.frontendName}`);
  if (ctx.stack.ormName)
    facts.push(`data: ${ctx.stack.ormName}${ctx.stack.migrationTool ? ` (${ctx.stack.migrationTool})` : ''}`);
  else if (ctx.stack.hasDatabase) facts.push('data: SQL database');
  else facts.push('no database found');
  if (ctx.stack.cliName) facts.push(`CLI: ${ctx.stack.cliName}`);
  if (ctx.stack.jobRunner) facts.push(`jobs: ${ctx.stack.jobRunner}`);
  facts.push(`tests: ${[ctx.stack.testTool, ctx.stack.e2eTool].filter(Boolean).join(' + ')}`);
  lines.push(`Stack: ${facts.join('; ')}.`);
  if (repo.relevantFiles.length > 0) {
    lines.push('Existing code this touches:');
    for (const file of repo.relevantFiles.slice(0, 8))
      lines.push(`- ${code(file.path)} — ${truncate(file.reason, 120)}`);
  } else {
    lines.push('No existing file matches the issue’s words: this is new code.');
  }
  if (repo.readmeSummary.trim())
    lines.push(`README: ${truncate(repo.readmeSummary.replace(/\s+/g, ' ').trim(), 400)}`);
  const signals = classification.signals
    .filter((s) => s.weight > 0)
    .slice(0, 4)
    .map((s) => `“${s.term}” (${s.where})`);
  const kind =
    classification.template === template.id
      ? `Classified as ${template.label.toLowerCase()} work (confidence ${classification.confidence.toFixed(2)}${signals.length > 0 ? `; signals: ${signals.join(', ')}` : ''})`
      : `Planned as ${template.label.toLowerCase()} work`;
  lines.push(`${kind}${ctx.area ? `, in the ${ctx.area} area` : ''}.`);
  return lines.join('\n');
}

function architectureText(decisions: Decision[], lines: string[]): string {
  const parts = [];
  if (decisions.length > 0) parts.push(`${DECISIONS_HEADING}\n${decisionLines(decisions).join('\n')}`);
  parts.push(`**Changes**\n${lines.map((l) => `- ${l}`).join('\n')}`);
  return parts.join('\n\n');
}

function assumptionLines(decisions: Decision[], ctx: PlanContext, foreign: SpecInput['questions']): string[] {
  const out: string[] = [];
  for (const d of decisions) {
    const assumption = d.topic.assumption ? d.topic.assumption(ctx) : d.topic.fallback(ctx).join(', ');
    if (d.source.kind === 'assumed') {
      out.push(
        d.source.ordinal === null
          ? `Assumed: ${assumption} (not asked, to keep the questions short).`
          : `Assumed: ${assumption} — question ${d.source.ordinal} was not answered.`,
      );
    } else if (d.source.kind === 'answer' && d.source.noPreference) {
      out.push(`Assumed: ${assumption} — the answer to question ${d.source.ordinal} gave no preference.`);
    } else if (
      d.source.kind === 'answer' &&
      d.custom !== null &&
      d.values.length === 0 &&
      offeredChoices(d.topic).length > 0
    ) {
      out.push(
        `Answer ${d.source.ordinal} (${quoteInline(d.custom, 120)}) names no option offered; it is taken as written and the design keeps the default structure where the answer is silent.`,
      );
    }
  }
  for (const q of foreign) {
    if (q.answer === null || q.answer.trim() === '')
      out.push(`Assumed: ${q.assumption.replace(/\.$/, '')} — question ${q.ordinal} was not answered.`);
  }
  return out;
}

function changeSummaryOf(
  changes: string[],
  version: number,
  before: Spec['estimatedComplexity'],
  after: Spec['estimatedComplexity'],
): string {
  const all = [...changes];
  if (before !== after) all.push(`complexity ${before} → ${after}`);
  if (all.length === 0) return `No change understood from the feedback for v${version}.`;
  return truncate(`${capitalize(all.join('; '))}.`, 300);
}

export function draftSpec(input: SpecInput): SpecDraft {
  const classification = classifyFeature(input.issue.title, input.issue.body, input.context);
  const template = templateFor(input.featureType, classification.template);
  const base = buildPlanContext(input.issue, input.context, template);
  const { decisions: resolved, foreign } = resolveDecisions(template, base, input.questions);

  let state = emptyReviewState();
  let changes: string[] = [];
  let decisions = resolved;
  const version = input.previous ? input.previous.version + 1 : 1;
  if (input.previous) {
    const previousState = readReviewState(input.previous.spec, template.topics);
    const before = withReviewDecisions(resolved, previousState);
    const applied = applyFeedback(input.previous.feedback, version, before, previousState);
    state = applied.state;
    changes = applied.changes;
    decisions = withReviewDecisions(resolved, state);
  }

  // The first version takes cross-cutting requirements from the issue; later versions take them
  // from the previous version as changed by the review (so a removed one stays removed).
  const addons = (input.previous ? state.addons : addonsInIssue(base)).filter(
    (id) => !coveredByTemplate(template, id),
  );
  const ctx: SpecContext = { ...base, d: new Decisions(decisions, base), addons };
  const activeAddons = ctx.addons.flatMap((id) => addonById(id) ?? []);

  const goals = [...template.goals(ctx), ...activeAddons.map((a) => a.goal(ctx)), ...state.notes];
  const assumptions = [
    ...assumptionLines(decisions, base, foreign),
    ...state.outOfScope.map((item) => `${OUT_OF_SCOPE_PREFIX}${item}.`),
  ];
  const complexity = complexityOf(template, ctx);
  const summaryDecisions = decisions
    .filter((d) => d.topic.key)
    .map((d) => `${d.topic.label.toLowerCase()}: ${ctx.d.text(d.topic.id)}`)
    .slice(0, 4);
  const assumedCount = decisions.filter((d) => d.source.kind === 'assumed').length;
  const summary = truncate(
    `${template.label} work for ${input.context.repo} (${stackPhrase(base.stack)}), from issue #${input.issue.number}. ${
      summaryDecisions.length > 0 ? `Key decisions — ${summaryDecisions.join('; ')}. ` : ''
    }${assumedCount > 0 ? `${assumedCount} decision${assumedCount === 1 ? ' rests on an assumption' : 's rest on assumptions'} (listed below).` : 'Every decision comes from the issue or an answer.'}`,
    1500,
  );

  const spec: Spec = {
    title: titleOf(template, input.issue.title),
    summary,
    goals: goals.slice(0, 12),
    context: contextText(ctx, classification, template),
    architecture: architectureText(decisions, template.architecture(ctx)),
    edgeCases: [...template.edgeCases(ctx), ...activeAddons.map((a) => a.edgeCase(ctx))].slice(0, 20),
    acceptanceCriteria: [...template.acceptance(ctx), ...activeAddons.map((a) => a.acceptance(ctx))].slice(
      0,
      20,
    ),
    estimatedComplexity: complexity,
    assumptions: assumptions.slice(0, 20),
    changeSummary: input.previous
      ? changeSummaryOf(changes, version, input.previous.spec.estimatedComplexity, complexity)
      : 'First version.',
  };
  return { spec: specSchema.parse(spec), ctx, template, classification };
}
