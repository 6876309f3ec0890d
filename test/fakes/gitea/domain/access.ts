import { ApiError, forbidden, notFound } from '../errors.ts';
import { AccessMode, type AccessModeValue, type RepoRecord, type UserRecord } from '../state.ts';

/**
 * Gitea's repository permission rules (GetUserRepoPermission): site admins and the owner get
 * owner access, collaborators their granted mode, anyone else read on a public repository and
 * nothing on a private one.
 */
export function accessMode(repo: RepoRecord, user: UserRecord | null): AccessModeValue {
  if (!user) return repo.private ? AccessMode.None : AccessMode.Read;
  if (user.isAdmin || user.id === repo.ownerId) return AccessMode.Owner;
  const granted = repo.collaborators.get(user.id);
  if (granted !== undefined) return granted;
  return repo.private ? AccessMode.None : AccessMode.Read;
}

export function canWrite(repo: RepoRecord, user: UserRecord | null): boolean {
  return accessMode(repo, user) >= AccessMode.Write;
}

/** A repository the user cannot see does not exist for them (Gitea answers 404). */
export function requireReadable(repo: RepoRecord, user: UserRecord | null): void {
  if (accessMode(repo, user) < AccessMode.Read) throw notFound();
}

export function requireSignedIn(user: UserRecord | null): UserRecord {
  if (!user) throw new ApiError(401, 'token is required');
  return user;
}

/** reqRepoWriter on the issues/pulls units. */
export function requireIssueWriter(repo: RepoRecord, user: UserRecord | null): UserRecord {
  const doer = requireSignedIn(user);
  if (!canWrite(repo, doer)) throw forbidden('user should have a permission to write to a repo');
  return doer;
}

/** reqRepoWriter on the code unit: pushing, editing files, creating branches. */
export function requireCodeWriter(repo: RepoRecord, user: UserRecord | null): UserRecord {
  const doer = requireSignedIn(user);
  if (!canWrite(repo, doer)) throw forbidden('user should have a permission to write to a repo');
  return doer;
}
