import { validateDecomposition } from '../dag.ts';
import type { DecomposeInput } from '../planner.ts';
import { type Decomposition, decompositionSchema, type Subtask } from '../schemas.ts';
import { ADDONS, addonById } from './addons.ts';
import { classifyFeature } from './classify.ts';
import { readDecisionBlock } from './decisions.ts';
import { buildPlanContext } from './plan-context.ts';
import { topicStatuses } from './questions.ts';
import { templateFor } from './templates/index.ts';
import type { FeatureTemplate, SpecContext, Step, StepSize } from './templates/types.ts';
import { truncate } from './text.ts';
import { type Decision, Decisions, decodeText, type PlanContext } from './topics.ts';

/**
 * Splits an approved spec into subtasks with the template of its kind of work: which steps
 * exist depends on the spec's decisions (a PayPal adapter only if PayPal is in scope) and on
 * the stack (UI steps only with a UI). Dependencies on steps that do not exist are dropped,
 * redundant edges are removed, and when there are more steps than allowed the least important
 * ones are merged into a neighbour without ever creating a cycle.
 */

const HOURS: Record<StepSize, number> = { S: 2, M: 4, L: 8, XL: 16 };

interface WorkItem {
  key: string;
  title: string;
  description: string;
  acceptance: string[];
  hours: number;
  dependsOn: string[];
  priority: number;
  /** Titles of steps merged into this one. */
  absorbed: string[];
}

/** Decisions as the approved spec states them; for specs written elsewhere, from the issue and defaults. */
function decisionsFromSpec(template: FeatureTemplate, ctx: PlanContext, architecture: string): Decision[] {
  const recorded = readDecisionBlock(architecture, template.topics);
  return topicStatuses(template, ctx).map(({ topic, fromIssue }) => {
    const found = recorded.find((r) => r.topic.id === topic.id);
    if (found) return { topic, values: found.values, custom: found.custom, source: { kind: 'issue' } };
    const inSpec = decodeText(topic, architecture);
    const values =
      fromIssue ?? (inSpec.values.length > 0 && !inSpec.ambiguous ? inSpec.values : topic.fallback(ctx));
    return { topic, values, custom: null, source: { kind: 'issue' } };
  });
}

function addonsFromSpec(goals: string[]): string[] {
  return ADDONS.filter((addon) => goals.some((goal) => goal.startsWith(`${addon.label}:`))).map((a) => a.id);
}

/** Template steps plus add-on steps, with add-ons placed before the docs step. */
function proposeSteps(template: FeatureTemplate, ctx: SpecContext): Step[] {
  const steps = template.steps(ctx);
  const keys = new Set(steps.map((s) => s.key));
  const core = keys.has(template.coreStep)
    ? template.coreStep
    : (steps.filter((s) => s.key !== template.docsStep).at(-1)?.key ?? '');
  const extra = ctx.addons.flatMap((id) => addonById(id) ?? []).map((addon) => addon.step(ctx, core));
  const docsIndex = steps.findIndex((s) => s.key === template.docsStep);
  if (docsIndex < 0) return [...steps, ...extra];
  const docs = steps[docsIndex]!;
  const withDocsDeps = { ...docs, dependsOn: [...docs.dependsOn, ...extra.map((e) => e.key)] };
  return [...steps.slice(0, docsIndex), ...extra, withDocsDeps, ...steps.slice(docsIndex + 1)];
}

function toItems(steps: Step[]): WorkItem[] {
  const keys = new Set(steps.map((s) => s.key));
  return steps.map((s) => ({
    key: s.key,
    title: s.title,
    description: s.description,
    acceptance: [...s.acceptance],
    hours: HOURS[s.size],
    // Steps a template did not propose for this spec (no database, no webhooks…) are skipped over.
    dependsOn: [...new Set(s.dependsOn.filter((d) => keys.has(d) && d !== s.key))],
    priority: s.priority,
    absorbed: [],
  }));
}

/** Removes edges implied by others (a→c when a→b→c), so the graph shows only what matters. */
function withoutRedundantEdges(items: WorkItem[]): WorkItem[] {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const reachable = (from: string, skipDirect: string): boolean => {
    const stack = (byKey.get(from)?.dependsOn ?? []).filter((d) => d !== skipDirect);
    const seen = new Set<string>();
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (key === skipDirect) return true;
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(...(byKey.get(key)?.dependsOn ?? []));
    }
    return false;
  };
  return items.map((item) => ({
    ...item,
    dependsOn: item.dependsOn.filter((dep) => !reachable(item.key, dep)),
  }));
}

/**
 * Merges the least important step into a neighbour until at most `max` remain. Steps are in
 * topological order, so the host is the step's latest dependency (or, with none, its earliest
 * dependent): neither choice can close a cycle.
 */
function fitTo(items: WorkItem[], max: number): WorkItem[] {
  let list = items.map((i) => ({
    ...i,
    dependsOn: [...i.dependsOn],
    acceptance: [...i.acceptance],
    absorbed: [...i.absorbed],
  }));
  while (list.length > max && list.length > 1) {
    let victimIndex = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (victimIndex < 0 || list[i]!.priority > list[victimIndex]!.priority) victimIndex = i;
    }
    const victim = list[victimIndex]!;
    const indexOf = (key: string) => list.findIndex((i) => i.key === key);
    const deps = victim.dependsOn.map(indexOf).filter((i) => i >= 0);
    const dependentsIdx = list
      .map((item, i) => (item.dependsOn.includes(victim.key) ? i : -1))
      .filter((i) => i >= 0);
    const hostIndex =
      deps.length > 0
        ? Math.max(...deps)
        : dependentsIdx.length > 0
          ? Math.min(...dependentsIdx)
          : victimIndex > 0
            ? victimIndex - 1
            : 1;
    const host = list[hostIndex]!;
    host.description = `${host.description}\n\nAlso covers “${victim.title}”: ${victim.description}`;
    host.acceptance = [...host.acceptance, ...victim.acceptance.filter((a) => !host.acceptance.includes(a))];
    host.hours += victim.hours;
    host.absorbed.push(victim.title, ...victim.absorbed);
    host.priority = Math.min(host.priority, victim.priority);
    host.dependsOn = [...new Set([...host.dependsOn, ...victim.dependsOn])].filter(
      (d) => d !== host.key && d !== victim.key,
    );
    list = list
      .filter((i) => i.key !== victim.key)
      .map((i) =>
        i.dependsOn.includes(victim.key)
          ? {
              ...i,
              dependsOn: [...new Set(i.dependsOn.map((d) => (d === victim.key ? host.key : d)))].filter(
                (d) => d !== i.key,
              ),
            }
          : i,
      );
  }
  return withoutRedundantEdges(list);
}

export function estimateText(hours: number): string {
  if (hours < 8) return `${hours}h`;
  const days = Math.round((hours / 8) * 2) / 2;
  return `${days}d`;
}

function toSubtask(item: WorkItem): Subtask {
  const title =
    item.absorbed.length > 0
      ? `${item.title} (+ ${item.absorbed.length} merged step${item.absorbed.length > 1 ? 's' : ''})`
      : item.title;
  return {
    key: item.key,
    title: truncate(title, 200),
    description:
      item.description.length > 0
        ? item.description[0]!.toUpperCase() + item.description.slice(1)
        : item.description,
    acceptanceCriteria: mergeCriteria(item.acceptance),
    estimate: estimateText(item.hours),
    dependsOn: item.dependsOn,
  };
}

/** At most 12 criteria (the schema's limit); extra ones are folded into the last line. */
function mergeCriteria(criteria: string[]): string[] {
  if (criteria.length <= 12) return criteria;
  return [...criteria.slice(0, 11), criteria.slice(11).join(' ')];
}

export function decomposeSpec(input: DecomposeInput): Decomposition {
  if (!Number.isInteger(input.maxSubtasks) || input.maxSubtasks < 1) {
    throw new Error(`maxSubtasks must be a positive integer, got ${input.maxSubtasks}`);
  }
  const classification = classifyFeature(input.issue.title, input.issue.body, input.context);
  const template = templateFor(input.featureType, classification.template);
  const base = buildPlanContext(input.issue, input.context, template);
  const decisions = decisionsFromSpec(template, base, input.spec.architecture);
  const ctx: SpecContext = {
    ...base,
    d: new Decisions(decisions, base),
    addons: addonsFromSpec(input.spec.goals),
  };

  const items = fitTo(withoutRedundantEdges(toItems(proposeSteps(template, ctx))), input.maxSubtasks);
  const decomposition = decompositionSchema.parse({ subtasks: items.map(toSubtask) });
  const check = validateDecomposition(decomposition, { maxSubtasks: input.maxSubtasks });
  if (!check.ok) throw new Error(`builtin decomposition is not a valid DAG: ${check.errors.join('; ')}`);
  return decomposition;
}
