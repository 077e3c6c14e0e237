import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalidInput } from '../../domain/errors.js';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import {
  AddGroupBody, GroupView, NameParams, NoContent, PolicyJson, PolicyView, PutPolicyBody, PutUserBody, TagBody, TagView, TagsQuery,
  UserView, responses,
} from '../schemas.js';

/** Users, groups, policies and tags made over the API (source `api`). */
export function identityRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    // ------------------------------------------------------------ users
    app.get('/users', {
      schema: { operationId: 'listUsers', tags: ['users'], summary: 'Users, with where each comes from', response: responses({ 200: Type.Array(UserView) }) },
    }, async (req) => clientFor(services, req).listUsers());

    app.put<{ Params: NameParams; Body: PutUserBody }>('/users/:name', {
      schema: {
        operationId: 'putUser', tags: ['users'], summary: 'Create or replace a user',
        params: NameParams, body: PutUserBody, response: responses({ 204: NoContent }),
      },
    }, async (req, reply) => {
      const b = req.body;
      // The schema's defaults have filled groups, attributes and principals.
      await clientFor(services, req).putUser({
        name: req.params.name,
        email: b.email ?? null,
        groups: b.groups ?? [],
        attributes: b.attributes ?? {},
        principals: b.principals ?? {},
      });
      return reply.code(204).send();
    });

    app.delete<{ Params: NameParams }>('/users/:name', {
      schema: { operationId: 'deleteUser', tags: ['users'], summary: 'Delete a user', params: NameParams, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).deleteUser(req.params.name);
      return reply.code(204).send();
    });

    // ------------------------------------------------------------ groups
    app.get('/groups', {
      schema: { operationId: 'listGroups', tags: ['groups'], summary: 'Groups and their member counts', response: responses({ 200: Type.Array(GroupView) }) },
    }, async (req) => clientFor(services, req).listGroups());

    app.post<{ Body: AddGroupBody }>('/groups', {
      schema: {
        operationId: 'addGroup', tags: ['groups'], summary: 'Add a group (no-op when it exists)',
        body: AddGroupBody, response: responses({ 204: NoContent }),
      },
    }, async (req, reply) => {
      await clientFor(services, req).addGroup(req.body.name);
      return reply.code(204).send();
    });

    app.delete<{ Params: NameParams }>('/groups/:name', {
      schema: { operationId: 'deleteGroup', tags: ['groups'], summary: 'Delete a group', params: NameParams, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).deleteGroup(req.params.name);
      return reply.code(204).send();
    });

    // ------------------------------------------------------------ policies
    app.get('/policies', {
      schema: { operationId: 'listPolicies', tags: ['policies'], summary: 'Policies, with where each comes from', response: responses({ 200: Type.Array(PolicyView) }) },
    }, async (req) => clientFor(services, req).listPolicies());

    app.put<{ Params: NameParams; Body: PutPolicyBody }>('/policies/:name', {
      schema: {
        operationId: 'putPolicy', tags: ['policies'], summary: 'Create or replace a policy',
        params: NameParams, body: PutPolicyBody, response: responses({ 200: PolicyJson }),
      },
    }, async (req) => {
      // The name is in the URL and in the policy; two different names is a mistake, not a rename.
      if (req.body.name !== req.params.name) {
        throw invalidInput('name', `"${req.body.name}" differs from the name in the URL ("${req.params.name}")`, 'PUT a policy to /policies/<its name>');
      }
      return clientFor(services, req).putPolicy(req.body);
    });

    app.delete<{ Params: NameParams }>('/policies/:name', {
      schema: { operationId: 'deletePolicy', tags: ['policies'], summary: 'Delete a policy', params: NameParams, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).deletePolicy(req.params.name);
      return reply.code(204).send();
    });

    // ------------------------------------------------------------ tags
    app.get<{ Querystring: TagsQuery }>('/tags', {
      schema: {
        operationId: 'listTags', tags: ['tags'], summary: 'Tags on objects and columns',
        querystring: TagsQuery, response: responses({ 200: Type.Array(TagView) }),
      },
    }, async (req) => clientFor(services, req).listTags(req.query.connection));

    app.post<{ Body: TagBody }>('/tags', {
      schema: { operationId: 'tag', tags: ['tags'], summary: 'Tag an object or column', body: TagBody, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).tag(req.body.path, req.body.tag);
      return reply.code(204).send();
    });

    // DELETE takes the tag in the query: paths contain "/" and DELETE bodies are poorly supported.
    app.delete<{ Querystring: TagBody }>('/tags', {
      schema: { operationId: 'untag', tags: ['tags'], summary: 'Remove a tag', querystring: TagBody, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).untag(req.query.path, req.query.tag);
      return reply.code(204).send();
    });
  };
}
