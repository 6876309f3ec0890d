import { toPackage } from '../convert.ts';
import { containerPackage } from '../domain/packages.ts';
import { ApiError } from '../errors.ts';
import { json, type RouteDef } from '../router.ts';

/**
 * Packages (routers/api/v1/packages/package.go; the middlewares of routers/api/v1/api.go's
 * `/packages/{username}` group): a token is required, the owner is looked up
 * (services/context/user.go `userAssignment`: 404 with the redirect lookup's error), then the
 * version by type, name and version, all compared in lower case (models/packages
 * `GetVersionByNameAndVersion`: 404 `GetVersionByNameAndVersion: package does not exist`).
 * The fake's registry holds container images only.
 */
export const packageRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/packages/{owner}/{type}/{name}/{version}',
    access: 'signed',
    handle: (ctx) => {
      const { state } = ctx.world;
      const ownerName = ctx.params.owner ?? '';
      const owner = state.userByLogin(ownerName);
      if (!owner) throw new ApiError(404, `user redirect does not exist [name: ${ownerName}]`);
      const pkg =
        ctx.params.type === 'container' ? containerPackage(state, owner, ctx.params.name ?? '') : undefined;
      const wanted = (ctx.params.version ?? '').toLowerCase();
      const version = pkg?.versions.find((v) => v.version === wanted);
      if (!pkg || !version) throw new ApiError(404, 'GetVersionByNameAndVersion: package does not exist');
      return json(200, toPackage(state, pkg, version, ctx.doer));
    },
  },
];
