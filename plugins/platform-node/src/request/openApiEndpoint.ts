type JsonContent<T> = T extends { content: { 'application/json': infer B } }
  ? B
  : never;

/**
 * One operation of an `openapi-typescript` `paths` type, in the shape of an entry of the
 * EndpointMap that `createValidatedOpenApiRouterFromGeneratedEndpointMap` takes. The generated
 * routers (`scripts/openapi-generate.mjs`) build their EndpointMap from it.
 */
export type OpenApiEndpoint<Op> = {
  path: Op extends { parameters: { path?: infer P } } ? NonNullable<P> : never;
  query: Op extends { parameters: { query?: infer Q } }
    ? NonNullable<Q>
    : never;
  body: Op extends { requestBody?: infer R }
    ? JsonContent<NonNullable<R>>
    : never;
  response: Op extends { responses: infer R }
    ? { [C in keyof R]: JsonContent<R[C]> }[keyof R]
    : never;
};
