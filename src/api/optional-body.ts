import type { preValidationAsyncHookHandler } from 'fastify';

/**
 * For routes whose body is all optional fields (sync, apply): no body means `{}`. Without this,
 * a bodiless POST fails validation with "body: must be object", which helps nobody.
 */
export const optionalBody: preValidationAsyncHookHandler = async (request) => {
  if (request.body === undefined || request.body === null) request.body = {};
};
