/** Ecosystems whose manifests are read; infrastructure files are only noted by path. */
export type ManifestKind =
  | 'npm'
  | 'go'
  | 'cargo'
  | 'python'
  | 'maven'
  | 'gradle'
  | 'ruby'
  | 'composer'
  | 'dotnet'
  | 'mix';

export type InfraKind =
  | 'docker'
  | 'docker-compose'
  | 'helm'
  | 'kustomize'
  | 'gitea-actions'
  | 'github-actions'
  | 'gitlab-ci';

export interface DeclaredDependency {
  name: string;
  /** As written in the manifest ('' when it names none). */
  version: string;
  /** Only needed to develop or test. */
  dev: boolean;
}

/** What one manifest says about the project. */
export interface ManifestFindings {
  frameworks: string[];
  testTools: string[];
  dependencies: DeclaredDependency[];
  packageManager?: string;
}

export interface ManifestInput {
  path: string;
  text: string;
  /** Whether a file of this name sits in the manifest's directory or any directory above it. */
  hasNearby(fileName: string): boolean;
}

export type ManifestParser = (input: ManifestInput) => ManifestFindings;
