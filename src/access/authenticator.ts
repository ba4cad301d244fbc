/**
 * Authentication, run as Fastify's first request hook (onRequest): before the body is read, so
 * that a request without a valid key costs the service its headers only (an unauthenticated
 * 70 KB body is a 401, not a 413 after reading it). Sets `request.principal`; the guard then
 * decides roles and unit scopes. Routes marked @Public, and requests that match no route (404),
 * are let through without a key.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../common/errors.js';
import { ApiKeyStore } from './api-keys.js';
import type { Principal } from './principal.js';
import { RateLimiter } from './rate-limiter.js';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The key of an `Authorization: Bearer <key>` header, or undefined. */
export function bearerKey(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

@Injectable()
export class Authenticator {
  constructor(
    @Inject(ApiKeyStore) private readonly keys: ApiKeyStore,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
  ) {}

  /** The onRequest hook. */
  readonly onRequest = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const route = request.routeOptions;
    if (route.url === undefined || (route.config as { public?: boolean } | undefined)?.public === true) return done();
    try {
      (request as AuthenticatedRequest).principal = this.authenticate(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  };

  /**
   * A valid key is always served (within its own rate): the address limit concerns requests
   * without one only, so that a client behind the same NAT or proxy as a misconfigured one is
   * never locked out with it.
   */
  authenticate(request: FastifyRequest): Principal {
    const presented = bearerKey(request.headers.authorization);
    const key = presented === undefined ? undefined : this.keys.authenticate(presented);
    if (key) {
      this.limiter.take(key.fingerprint);
      return key.principal;
    }
    // The address only counts for the limiter (Fastify works it out, X-Forwarded-For per TRUST_PROXY, on each read of `ip`).
    const address = this.limiter.enabled ? request.ip : '';
    this.limiter.assertAddressAllowed(address);
    this.limiter.recordFailure(address);
    throw new AppError(
      'UNAUTHENTICATED',
      presented === undefined ? 'send an API key as "Authorization: Bearer <key>"' : 'the API key is not valid',
      undefined,
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
}
