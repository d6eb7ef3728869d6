import type { FastifySerializerCompiler } from 'fastify';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';

/**
 * Response serialization. The zod response schemas are turned once, at start, into JSON Schema
 * and compiled with fast-json-stringify (what Fastify itself uses): several times faster than
 * validating every answer with zod and then calling JSON.stringify, and it still writes only
 * the declared fields, so nothing undeclared can leak. The handlers shape their answers to the
 * schemas (dates as ISO strings), and the type provider checks that at compile time.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType | { properties: z.ZodType }> = ({ schema, contentType }) => {
  // Problem details leave the error handler as strings: Fastify never serializes them, and their
  // per-status unions need no compiled serializer.
  if (contentType === PROBLEM_CONTENT_TYPE) return (data) => JSON.stringify(data);
  const zodSchema = schema instanceof z.ZodType ? schema : schema.properties;
  // A schema shared by many routes (a page of orders, ...) is compiled once.
  let serialize = compiled.get(zodSchema);
  if (serialize === undefined) {
    serialize = compile(zodSchema);
    compiled.set(zodSchema, serialize);
  }
  return serialize;
};

const compiled = new WeakMap<z.ZodType, (data: unknown) => string>();

function compile(zodSchema: z.ZodType): (data: unknown) => string {
  const jsonSchema = z.toJSONSchema(zodSchema, { io: 'output', target: 'draft-7', unrepresentable: 'any', reused: 'inline' }) as Record<
    string,
    unknown
  >;
  delete jsonSchema['$schema'];
  delete jsonSchema['$id'];
  delete jsonSchema['id'];
  return fastJson(jsonSchema as unknown as Parameters<typeof fastJson>[0]);
}
