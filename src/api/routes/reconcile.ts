import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { parseConfigBody } from '../config-body.js';
import { optionalBody } from '../optional-body.js';
import {
  ApplyBody, ApplyConfigBody, ApplyConfigView, ApplyView, ConfigApplyResult, ConfigBody, ConnectionStatus, Explanation, ExplainQuery, NameParams, PlanBody, PlanView,
  WhoCanQuery, responses,
} from '../schemas.js';

const tags = ['reconcile'];

/** Plan, store, apply; status and the access questions (explain, who-can). */
export function reconcileRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: PlanBody }>('/plan', {
      schema: {
        operationId: 'plan', tags, summary: 'What a configuration would change, per connection: operations and exact SQL. Changes nothing.',
        body: PlanBody, response: responses({ 200: Type.Array(PlanView) }),
      },
    }, async (req) => clientFor(services, req).plan(parseConfigBody(req.body.config), req.body.connection));

    app.post<{ Body: ConfigBody }>('/config', {
      schema: {
        operationId: 'storeConfig', tags, summary: 'Store a configuration (it owns what it declares; API-made objects are left alone)',
        body: ConfigBody, response: responses({ 200: ConfigApplyResult }),
      },
    }, async (req) => clientFor(services, req).storeConfig(parseConfigBody(req.body.config)));

    app.post<{ Body: ApplyConfigBody }>('/apply', {
      schema: {
        operationId: 'applyConfig', tags,
        summary: 'Plan every connection of a configuration under its lock, check the plans (against expect), then store the configuration and run them',
        body: ApplyConfigBody, response: responses({ 200: ApplyConfigView }),
      },
    }, async (req) => clientFor(services, req).applyConfig(parseConfigBody(req.body.config), {
      ...(req.body.connection === undefined ? {} : { connection: req.body.connection }),
      ...(req.body.force === undefined ? {} : { force: req.body.force }),
      ...(req.body.sync === undefined ? {} : { sync: req.body.sync }),
      ...(req.body.expect === undefined ? {} : { expect: req.body.expect }),
    }));

    app.post<{ Params: NameParams; Body: ApplyBody }>('/connections/:name/apply', {
      preValidation: optionalBody,
      schema: {
        operationId: 'applyConnection', tags: ['connections', ...tags], summary: 'Sync, plan and enforce the stored configuration on one connection',
        params: NameParams, body: ApplyBody, response: responses({ 200: ApplyView }),
      },
    }, async (req) => clientFor(services, req).applyConnection(req.params.name, {
      ...(req.body.force === undefined ? {} : { force: req.body.force }),
      ...(req.body.sync === undefined ? {} : { sync: req.body.sync }),
    }));

    app.get('/status', {
      schema: {
        operationId: 'status', tags, summary: 'Health of every connection: last sync, last apply, drift, errors',
        response: responses({ 200: Type.Array(ConnectionStatus) }),
      },
    }, async (req) => clientFor(services, req).status());

    app.get<{ Querystring: ExplainQuery }>('/explain', {
      schema: {
        operationId: 'explain', tags, summary: 'Why a user can or cannot reach a path (policy, group, grant)',
        querystring: ExplainQuery, response: responses({ 200: Explanation }),
      },
    }, async (req) => clientFor(services, req).explain(req.query.user, req.query.path));

    app.get<{ Querystring: WhoCanQuery }>('/who-can', {
      schema: {
        operationId: 'whoCan', tags, summary: 'Every user who can reach a path, and through what',
        querystring: WhoCanQuery, response: responses({ 200: Explanation }),
      },
    }, async (req) => clientFor(services, req).whoCan(req.query.path));
  };
}
