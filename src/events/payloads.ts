import type { Actor, RepoRef, WebhookPayload } from '../domain/payloads.ts';

/** Readers of webhook payloads: they never throw on a missing field (see domain/payloads.ts). */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Reads `repository` of any payload; null when absent or unusable. */
export function readRepo(payload: WebhookPayload): RepoRef | null {
  const repo: unknown = payload.repository;
  if (!isRecord(repo)) return null;
  const fullName = str(repo.full_name);
  const name = str(repo.name);
  const ownerLogin = isRecord(repo.owner)
    ? (str(repo.owner.login) ?? str(repo.owner.username))
    : str(repo.owner); // issue.repository carries the owner as a plain string
  const owner = ownerLogin ?? fullName?.split('/')[0];
  if (!fullName || !name || !owner) return null;
  return {
    owner,
    name,
    fullName,
    id: int(repo.id) ?? 0,
    defaultBranch: str(repo.default_branch) ?? 'main',
  };
}

/** Reads a user object; null when absent or without a login. */
export function readActor(user: unknown): Actor | null {
  if (!isRecord(user)) return null;
  const login = str(user.login) ?? str(user.username);
  if (!login) return null;
  return { id: int(user.id) ?? 0, login };
}

/** The issue or pull request number an event concerns, if any. */
export function readIssueNumber(payload: WebhookPayload): number | null {
  const issue: unknown = payload.issue;
  const pull: unknown = payload.pull_request;
  return (
    (isRecord(issue) ? int(issue.number) : undefined) ??
    (isRecord(pull) ? int(pull.number) : undefined) ??
    int(payload.number) ??
    null
  );
}

/** Names of a label list; tolerates `null` (Gitea sends it for "no labels"). */
export function readLabelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  return labels.flatMap((label) => (isRecord(label) && typeof label.name === 'string' ? [label.name] : []));
}

/** The payload's `action`, or null for events without one (push, create, …). */
export function readAction(payload: WebhookPayload): string | null {
  return typeof payload.action === 'string' && payload.action !== '' ? payload.action : null;
}

/** Narrows parsed JSON to a payload; anything but a JSON object is not a Gitea webhook body. */
export function asWebhookPayload(value: unknown): WebhookPayload | null {
  return isRecord(value) ? (value as WebhookPayload) : null;
}
