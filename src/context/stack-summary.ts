import type { RepoContext } from './types.ts';

const INFRA_LABELS: Readonly<Record<string, string>> = {
  docker: 'Docker',
  'docker-compose': 'Docker Compose',
  helm: 'Helm',
  kustomize: 'Kustomize',
  'gitea-actions': 'Gitea Actions',
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI',
};

export type StackSummaryInput = Pick<
  RepoContext,
  'languages' | 'frameworks' | 'testTools' | 'packageManager' | 'manifests' | 'fileCount'
>;

/** Infrastructure the repository carries (containers, charts, CI), from its manifests list. */
export function infrastructureOf(manifests: RepoContext['manifests']): string[] {
  const labels: string[] = [];
  for (const { kind } of manifests) {
    const label = INFRA_LABELS[kind];
    if (label && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

/**
 * One line for prompts and comments: languages · frameworks · test tools · package manager ·
 * infrastructure, each part left out when empty, e.g. "TypeScript · Express, React · Vitest · pnpm".
 */
export function stackSummary(context: StackSummaryInput): string {
  const parts = [
    context.languages.slice(0, 3).join(', '),
    context.frameworks.slice(0, 6).join(', '),
    context.testTools.slice(0, 3).join(', '),
    context.packageManager ?? '',
    infrastructureOf(context.manifests).join(', '),
  ].filter((part) => part !== '');
  if (parts.length > 0) return parts.join(' · ');
  return context.fileCount === 0 ? 'empty repository' : 'no recognised stack';
}
