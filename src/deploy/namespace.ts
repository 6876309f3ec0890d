import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { isNotFound } from '../kubernetes/api-errors.ts';
import { DeployError } from './errors.ts';

/** A preview's namespace, or null when it does not exist. */
export async function readNamespace(
  core: Pick<CoreV1Api, 'readNamespace'>,
  name: string,
): Promise<V1Namespace | null> {
  try {
    return await core.readNamespace({ name });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw new DeployError(`read Namespace ${name}`, error);
  }
}
