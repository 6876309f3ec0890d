import { readFileSync } from 'node:fs';
import { Application, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderPreviewApplication } from '../../src/deploy/argocd-application.ts';
import { previewName } from '../../src/deploy/preview-name.ts';

/**
 * docs/previews.md shows YAML an operator applies as it is: every object in it must be one
 * Kubernetes and Argo CD accept, and the Application it shows must be the one the bot writes.
 * (Its RBAC rules are held to the recorded API calls in the preview integration tests.)
 */

const markdown = readFileSync(new URL('../../docs/previews.md', import.meta.url), 'utf8');
const objects = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((block) =>
  parseAllDocuments(block[1]!).map((d) => d.toJS() as { kind: string; metadata: { name: string } }),
);

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  Role: Role as never,
  RoleBinding: RoleBinding as never,
  ClusterRole: ClusterRole as never,
  ClusterRoleBinding: ClusterRoleBinding as never,
  AppProject: AppProject as never,
  Application: Application as never,
};

describe('docs/previews.md', () => {
  it('holds only objects their schemas accept, each binding naming a role the document defines', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'AppProject',
      'Application',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
    ]);
    for (const object of objects) new MODELS[object.kind]!(object as never).validate();
    const roles = new Set(
      objects.filter((o) => o.kind.endsWith('Role')).map((o) => `${o.kind}/${o.metadata.name}`),
    );
    for (const binding of objects.filter((o) => o.kind.endsWith('Binding'))) {
      const ref = (binding as unknown as { roleRef: { kind: string; name: string } }).roleRef;
      expect(roles.has(`${ref.kind}/${ref.name}`)).toBe(true);
    }
  });

  it('shows the Application the bot renders for acme/web-shop #12', () => {
    const sha = 'e'.repeat(40);
    const shown = JSON.parse(
      JSON.stringify(objects.find((o) => o.kind === 'Application')).replaceAll('<head sha>', sha),
    );
    const rendered = renderPreviewApplication(
      {
        repo: 'acme/web-shop',
        prNumber: 12,
        sha,
        image: 'registry.example.com/acme/web-shop',
        repoURL: 'https://gitea.example.com/acme/web-shop.git',
      },
      { domain: 'previews.example.com', path: 'deploy/preview', project: 'aiworker-previews' },
    );
    expect(shown).toEqual(rendered);
  });

  it('names the example repositories as the naming function does', () => {
    expect(markdown).toContain(`| \`acme/billing_api\` | 7 | \`${previewName(7, 'acme/billing_api')}\` |`);
    expect(markdown).toContain(`| \`acme/Web-Shop\` | 12 | \`${previewName(12, 'acme/Web-Shop')}\``);
  });
});
