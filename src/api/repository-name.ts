/** Route params `{ns}/{name}` → the validated repository name "ns/name" (400 when invalid). */
import { NameInvalidError } from '../core/errors.js';
import { isValidRepositoryName } from '../registry/reference.js';

export interface RepositoryParams {
  readonly ns: string;
  readonly name: string;
}

export function repositoryFromParams(params: RepositoryParams): string {
  const repository = `${params.ns}/${params.name}`;
  if (!isValidRepositoryName(repository)) throw new NameInvalidError(repository);
  return repository;
}
