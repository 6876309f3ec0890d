import { createHash } from 'node:crypto';
import type { FakeState, PackageRecord, PackageVersionRecord, UserRecord } from '../state.ts';

/**
 * Container images in Gitea's package registry (routers/api/packages/container/manifest.go
 * `createPackageAndVersion`): pushing `<host>/<owner>/<image>:<tag>` makes the package
 * `<image>` (lower case) of the user `<owner>`, with one version per tag (lower case). A tag
 * pushed again replaces its version: a new id, creation time and creator. Container packages
 * are linked to no repository, so Gitea sends their `package` webhook to no repository hook.
 */

export function containerPackage(
  state: FakeState,
  owner: UserRecord,
  name: string,
): PackageRecord | undefined {
  const lower = name.toLowerCase();
  return state.packages.find((p) => p.ownerId === owner.id && p.type === 'container' && p.name === lower);
}

/**
 * What `docker push` of `image:tag` for each tag leaves in the registry, `creator` being the
 * user whose token the build logs in with. `image` is `<host>/<owner>/<path>`.
 */
export function pushContainerImage(
  state: FakeState,
  creator: UserRecord,
  image: string,
  tags: readonly string[],
): PackageVersionRecord[] {
  const [, ownerName = '', ...path] = image.split('/');
  const owner = state.userByLogin(ownerName);
  if (!owner) throw new Error(`Gitea fake: the registry has no owner "${ownerName}" for ${image}`);
  const name = path.join('/').toLowerCase();
  let pkg = containerPackage(state, owner, name);
  if (!pkg) {
    pkg = { id: state.nextId('package'), ownerId: owner.id, type: 'container', name, versions: [] };
    state.packages.push(pkg);
  }
  const digest = `sha256:${createHash('sha256')
    .update(`${image}@${tags.join(',')}`)
    .digest('hex')}`;
  const pushed: PackageVersionRecord[] = [];
  for (const tag of tags) {
    const version = tag.toLowerCase();
    pkg.versions = pkg.versions.filter((v) => v.version !== version);
    const record: PackageVersionRecord = {
      id: state.nextId('packageVersion'),
      version,
      creatorId: creator.id,
      createdAt: state.now(),
      digest,
    };
    pkg.versions.push(record);
    pushed.push(record);
  }
  return pushed;
}
