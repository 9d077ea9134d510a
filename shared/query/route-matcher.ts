// Which archive API route a request path names, found by @middy/http-router.
//
// The router is asked about the path alone, and the handler applies one policy to whatever it
// finds, because the archive API answers in ways http-router cannot express by itself:
// - an unknown path is a 404 whatever the method, and a known path with any method but GET/HEAD is
//   a 405 (http-router matches method and path together, and knows only seven methods);
// - a named API Gateway stage may lead the path (`/prod/v1/records`): each path is tried as
//   received, then without its first segment;
// - `/openapi.json` is a document name and takes no trailing slash (http-router allows one on
//   every path);
// - errors are Tencent-shaped ApiErrors (http-router throws its own 404), so "no route" is
//   `undefined` here and the handler decides what to answer.
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export interface RouteDefinition<R> {
  /** http-router syntax: `/v1/records/{meeting_record_id}`. */
  readonly path: string;
  readonly route: R;
  /** Refuse `path/` (http-router accepts a trailing slash on every path unless told otherwise). */
  readonly noTrailingSlash?: boolean;
}

export interface RouteMatch<R> {
  readonly route: R;
  /** Path parameters as they appear in the path, still percent-encoded. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

export type RouteMatcher<R> = (path: string) => Promise<RouteMatch<R> | undefined>;

type Found<R> = RouteMatch<R> & { readonly noTrailingSlash: boolean };

export function createRouteMatcher<R>(definitions: ReadonlyArray<RouteDefinition<R>>): RouteMatcher<R> {
  // http-router's types expect a route to answer with an HTTP response; here it answers with the
  // route it found, hence the casts at both ends.
  const router = httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
    routes: definitions.map((definition) => ({
      method: 'GET' as const,
      path: definition.path,
      handler: async (event: APIGatewayProxyEventV2) => {
        const found: Found<R> = {
          route: definition.route,
          pathParameters: { ...event.pathParameters } as Record<string, string>,
          noTrailingSlash: definition.noTrailingSlash === true,
        };
        return found as unknown as APIGatewayProxyResultV2;
      },
    })),
    notFoundResponse: () => undefined,
  });
  const find = async (path: string): Promise<Found<R> | undefined> => {
    if (!path) return undefined; // http-router would call an empty path a malformed event, not a miss
    // A bare probe: no pathParameters of API Gateway's own, which http-router would let win over its match.
    const probe = { version: '2.0', requestContext: { http: { method: 'GET', path } } } as APIGatewayProxyEventV2;
    const found = (await router(probe, {} as Context)) as unknown as Found<R> | undefined;
    return found && !(found.noTrailingSlash && path.endsWith('/')) ? found : undefined;
  };
  return async (path) => {
    for (const candidate of pathsToRoute(path)) {
      const found = await find(candidate);
      if (found) return { route: found.route, pathParameters: found.pathParameters };
    }
    return undefined;
  };
}

/** The path as received, then without its first segment (a named stage). */
function pathsToRoute(path: string): string[] {
  const withoutStage = /^\/[^/]+(\/[\s\S]*)$/.exec(path)?.[1];
  return withoutStage === undefined ? [path] : [path, withoutStage];
}
