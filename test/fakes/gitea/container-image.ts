/**
 * The image name and tags a build pushes, as actions/build-image/build-image.sh computes them
 * (its `tags` command; docs/builds.md, What a build does): the default image
 * `<registry host>/<owner>/<repo>`, the full-sha tag, and the moving tag `pr-<N>` or the
 * branch name made a valid tag. test/unit/container-image.test.ts holds this to the script.
 */

const encoder = new TextEncoder();

/** `tag_from_ref`: bytes a tag may not hold become `-`, runs of `-` shrink, leading `.`/`-` go, 128 at most. */
export function tagFromRef(ref: string): string {
  let out = '';
  for (const byte of encoder.encode(ref)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.-]/.test(c) ? c : '-';
  }
  return out
    .replace(/-+/g, '-')
    .replace(/^[.-]*/, '')
    .slice(0, 128);
}

/** `name_segment`: lower case, a run of other characters or of separators becomes one `-`, none at the ends. */
export function registryNameSegment(part: string): string {
  return part
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .replace(/^[._-]*/, '')
    .replace(/[._-]*$/, '');
}

/** `default_image`: the repository URL's host (lower case, with port) and the owner/repo segments. */
export function defaultImage(repositoryUrl: string, fullName: string): string {
  const host = (repositoryUrl.replace(/^[^:]*:\/\//, '').split('/')[0] ?? '').toLowerCase();
  const slash = fullName.indexOf('/');
  return `${host}/${registryNameSegment(fullName.slice(0, slash))}/${registryNameSegment(fullName.slice(slash + 1))}`;
}

/** `moving_tag`: `pr-<N>` for a pull request, else the ref name as a tag (possibly empty: no moving tag). */
export function movingTag(opts: { prNumber?: number; refName?: string }): string {
  if (opts.prNumber !== undefined) return `pr-${opts.prNumber}`;
  return tagFromRef(opts.refName ?? '');
}
