import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';

export const IS_PUBLIC = 'access:public';
/**
 * Marks a route that needs no API key (health, docs). Put it on the handler: the Fastify route
 * config it also sets is what the authentication hook reads, before Nest's guard runs.
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), RouteConfig({ public: true }));
