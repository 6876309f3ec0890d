/**
 * Preview images are `<build.image>:<full commit sha>` (the build action tags them so). The
 * repository part must come without a tag or digest: the sha is the tag.
 */
export function imageAtSha(image: string, sha: string): string {
  const repository = image.trim();
  if (!/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(sha)) {
    throw new Error(`commit sha must be 40 (or 64) lowercase hex digits, got "${sha}"`);
  }
  if (repository === '' || /\s/.test(repository))
    throw new Error(`image must be a repository like registry.example.com/acme/shop, got "${image}"`);
  const lastSegment = repository.slice(repository.lastIndexOf('/') + 1);
  if (repository.includes('@') || lastSegment.includes(':')) {
    throw new Error(
      `image "${image}" already has a tag or digest; give the repository only (the commit sha is the tag)`,
    );
  }
  if (repository !== repository.toLowerCase()) {
    throw new Error(`image repository must be lowercase, got "${image}"`);
  }
  return `${repository}:${sha}`;
}
