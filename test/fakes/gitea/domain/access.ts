import { ApiError, forbidden, notFound } from '../errors.ts';
import {
  AccessMode,
  type AccessModeValue,
  type FakeState,
  type RepoRecord,
  type UserRecord,
} from '../state.ts';

/**
 * Gitea's repository permission rules (GetUserRepoPermission): site admins and the owner get
 * owner access, collaborators their granted mode, anyone else read on a public repository and
 * nothing on a private one.
 */
export function accessMode(_state: FakeState, repo: RepoRecord, user: UserRecord | null): AccessModeValue {
  if (!user) return repo.private ? AccessMode.None : AccessMode.Read;
  if (user.isAdmin || user.id === repo.ownerId) return AccessMode.Owner;
  const granted = repo.collaborators.get(user.id);
  if (granted !== undefined) return granted;
  return repo.private ? AccessMode.None : AccessMode.Read;
}

export function canWrite(state: FakeState, repo: RepoRecord, user: UserRecord | null): boolean {
  return accessMode(state, repo, user) >= AccessMode.Write;
}

/** A repository the user cannot see does not exist for them (Gitea answers 404). */
export function requireReadable(state: FakeState, repo: RepoRecord, user: UserRecord | null): void {
  if (accessMode(state, repo, user) < AccessMode.Read) throw notFound();
}

export function requireSignedIn(user: UserRecord | null): UserRecord {
  if (!user) throw new ApiError(401, 'token is required');
  return user;
}

/** reqRepoWriter on the issues/pulls units. */
export function requireIssueWriter(state: FakeState, repo: RepoRecord, user: UserRecord | null): UserRecord {
  const doer = requireSignedIn(user);
  if (!canWrite(state, repo, doer)) throw forbidden('user should have a permission to write to a repo');
  return doer;
}

/** reqAdmin: repository admin or owner. */
export function requireRepoAdmin(state: FakeState, repo: RepoRecord, user: UserRecord | null): UserRecord {
  const doer = requireSignedIn(user);
  if (accessMode(state, repo, doer) < AccessMode.Admin) {
    throw forbidden('user should be an owner or a collaborator with admin write of a repository');
  }
  return doer;
}
