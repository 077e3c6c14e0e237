import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { BrowseResult, CatalogQuery, ObjectView, SearchQuery, responses } from '../schemas.js';

const tags = ['catalog'];

/** The synced catalog: tree browsing with paging, and name search. */
export function catalogRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: CatalogQuery }>('/catalog', {
      schema: {
        operationId: 'browse', tags, summary: 'The object at `path` and its children, one page at a time',
        querystring: CatalogQuery, response: responses({ 200: BrowseResult }),
      },
    }, async (req) => {
      const { path, limit, after, removed } = req.query;
      return clientFor(services, req).browse(path ?? null, {
        ...(limit !== undefined ? { limit } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(removed !== undefined ? { includeRemoved: removed } : {}),
      });
    });

    app.get<{ Querystring: SearchQuery }>('/catalog/search', {
      schema: {
        operationId: 'search', tags, summary: 'Objects whose name contains `q`',
        querystring: SearchQuery, response: responses({ 200: Type.Array(ObjectView) }),
      },
    }, async (req) => {
      const { q, connection, limit } = req.query;
      return clientFor(services, req).search(q, {
        ...(connection !== undefined ? { connection } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
    });
  };
}
