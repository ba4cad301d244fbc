/** The service's clock, injected so that tests can fix time (the domain never reads a clock). */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
