import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { isJson, type Json, type KubeObject } from './types.ts';

/**
 * The part of `kustomize build` an Argo CD Application of a GitOps repository needs, so the
 * fake can tell what a path of a repository deploys (Argo CD renders a directory with a
 * kustomization through kustomize, any other directory as plain manifests: Argo CD docs,
 * "Tools" / "Directory"). Modelled: `resources` (files, or directories with their own
 * kustomization, relative to the kustomization) and `images` (kustomize's image transformer:
 * a container whose image name equals `name` gets `newName`, `newTag` or `digest`), applied
 * from the base up. Anything else in a kustomization is refused with an error naming it, so a
 * test never gets a silently wrong rendering.
 */

export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MODELLED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'images']);

/** Raised for what `kustomize build` (or Argo CD's repo server) would refuse. */
export class RenderError extends Error {}

function join(dir: string, relative: string): string {
  const parts = dir === '' ? [] : dir.split('/');
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function isDirectory(files: Readonly<Record<string, string>>, dir: string): boolean {
  return Object.keys(files).some((path) => dir === '' || path.startsWith(`${dir}/`));
}

function manifestsOf(text: string, path: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new RenderError(`${path}: ${document.errors[0]?.message}`);
    const value: unknown = document.toJSON();
    if (value === null || value === undefined) continue;
    if (!isJson(value) || typeof value.kind !== 'string')
      throw new RenderError(`${path}: not a Kubernetes object`);
    objects.push(value as KubeObject);
  }
  return objects;
}

/** `name[:tag][@digest]` split the way kustomize's image parser splits it. */
function splitImage(image: string): { name: string; tag: string; digest: string } {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const colon = withoutDigest.lastIndexOf(':');
  const slash = withoutDigest.lastIndexOf('/');
  if (colon > slash)
    return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, tag: '', digest };
}

/** One `images` entry (kustomize's ImageTagTransformer); the entries apply one after another. */
function transformImage(image: string, rule: KustomizeImage): string {
  const parts = splitImage(image);
  if (rule.name !== parts.name) return image;
  const name = rule.newName ?? parts.name;
  if (rule.digest) return `${name}@${rule.digest}`;
  if (rule.newTag !== undefined) return `${name}:${rule.newTag}`;
  return `${name}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`;
}

/** The pod specs kustomize's image transformer visits in a workload. */
function podSpecs(object: KubeObject): Json[] {
  const spec = isJson(object.spec) ? object.spec : {};
  if (object.kind === 'Pod') return [spec];
  if (object.kind === 'CronJob') {
    const jobTemplate = isJson(spec.jobTemplate) ? spec.jobTemplate : {};
    const jobSpec = isJson(jobTemplate.spec) ? jobTemplate.spec : {};
    const template = isJson(jobSpec.template) ? jobSpec.template : {};
    return isJson(template.spec) ? [template.spec] : [];
  }
  const template = isJson(spec.template) ? spec.template : {};
  return isJson(template.spec) ? [template.spec] : [];
}

export function applyImages(objects: KubeObject[], rules: readonly KustomizeImage[]): KubeObject[] {
  if (rules.length === 0) return objects;
  for (const object of objects) {
    for (const podSpec of podSpecs(object)) {
      for (const key of ['containers', 'initContainers']) {
        const containers = podSpec[key];
        if (!Array.isArray(containers)) continue;
        for (const container of containers) {
          if (!isJson(container) || typeof container.image !== 'string') continue;
          for (const rule of rules) container.image = transformImage(container.image as string, rule);
        }
      }
    }
  }
  return objects;
}

function imagesOf(value: unknown, path: string): KustomizeImage[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new RenderError(`${path}: images must be a list`);
  return value.map((entry) => {
    if (!isJson(entry) || typeof entry.name !== 'string')
      throw new RenderError(`${path}: an image without a name`);
    const out: KustomizeImage = { name: entry.name };
    if (entry.newName !== undefined) out.newName = String(entry.newName);
    if (entry.newTag !== undefined) out.newTag = String(entry.newTag);
    if (entry.digest !== undefined) out.digest = String(entry.digest);
    return out;
  });
}

/** `kustomize edit set image`: an entry replaces the one of the same name, or is added. */
function setImages(images: KustomizeImage[], overrides: readonly KustomizeImage[]): KustomizeImage[] {
  const out = [...images];
  for (const override of overrides) {
    const at = out.findIndex((image) => image.name === override.name);
    if (at >= 0) out[at] = override;
    else out.push(override);
  }
  return out;
}

function buildKustomization(
  files: Readonly<Record<string, string>>,
  dir: string,
  seen: string[],
  overrides: readonly KustomizeImage[] = [],
): KubeObject[] {
  const file = KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((path) => files[path] !== undefined);
  if (!file) throw new RenderError(`${dir}: no kustomization file`);
  if (seen.includes(dir)) throw new RenderError(`${dir}: cycle in kustomization resources`);
  const kustomization: unknown = parseYaml(files[file] as string);
  if (!isJson(kustomization)) throw new RenderError(`${file}: not a kustomization`);
  const unmodelled = Object.keys(kustomization).filter((key) => !MODELLED_FIELDS.has(key));
  if (unmodelled.length > 0) {
    throw new RenderError(`${file}: the Kubernetes fake does not model ${unmodelled.join(', ')}`);
  }
  const resources = Array.isArray(kustomization.resources) ? kustomization.resources.map(String) : [];
  const objects: KubeObject[] = [];
  for (const resource of resources) {
    const target = join(dir, resource);
    if (files[target] !== undefined) objects.push(...manifestsOf(files[target] as string, target));
    else if (isDirectory(files, target)) objects.push(...buildKustomization(files, target, [...seen, dir]));
    else throw new RenderError(`${file}: resource ${resource} does not exist`);
  }
  return applyImages(objects, setImages(imagesOf(kustomization.images, file), overrides));
}

/**
 * What Argo CD renders for `path` of a repository whose files are `files` (paths from the
 * repository root): a kustomization, or the directory's YAML files as they are. Argo CD's own
 * kustomize image overrides (`spec.source.kustomize.images`: `name=newName:tag` or
 * `newName:tag`) go into the path's kustomization as `kustomize edit set image` puts them.
 */
export function renderPath(
  files: Readonly<Record<string, string>>,
  path: string,
  overrides: readonly string[] = [],
): KubeObject[] {
  const dir = join('', path);
  if (!isDirectory(files, dir)) throw new RenderError(`${path}: app path does not exist`);
  const hasKustomization = KUSTOMIZATION_FILES.some((name) => files[join(dir, name)] !== undefined);
  const rules = overrides.map(overrideRule);
  if (hasKustomization) return buildKustomization(files, dir, [], rules);
  const objects = Object.keys(files)
    .filter((file) => file.startsWith(dir === '' ? '' : `${dir}/`))
    .filter((file) => !file.slice(dir === '' ? 0 : dir.length + 1).includes('/'))
    .filter((file) => /\.(ya?ml|json)$/.test(file))
    .sort()
    .flatMap((file) => manifestsOf(files[file] as string, file));
  return applyImages(objects, rules);
}

/** `kustomize edit set image` syntax: `name=newName:tag`, `name=newName@digest`, or `newName:tag` (name = newName). */
function overrideRule(entry: string): KustomizeImage {
  const eq = entry.indexOf('=');
  const target = eq >= 0 ? entry.slice(eq + 1) : entry;
  const parts = splitImage(target);
  const name = eq >= 0 ? entry.slice(0, eq) : parts.name;
  const rule: KustomizeImage = { name, newName: parts.name };
  if (parts.digest) rule.digest = parts.digest;
  else if (parts.tag) rule.newTag = parts.tag;
  return rule;
}
