/**
 * Types, permissions and the pure rules (phases, scores) of the adoption plugin family.
 *
 * @packageDocumentation
 */
export type * as OpenApi from './schema/openapi.generated';
export * from './permissions';
export * from './phase';
export * from './score';
