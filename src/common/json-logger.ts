import type { LoggerService } from '@nestjs/common';
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * Where a secret could reach the log: the API key in the request's Authorization header (and a
 * cookie, should a proxy add one). pino replaces them before the line is written.
 */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

/**
 * The service's one logger: pino, JSON lines on stdout (or `destination`), ISO times and level
 * names as the log shippers and the earlier hand-written logger had them. Fastify logs its
 * requests through it, and Nest through PinoNestLogger below.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        // Fastify's request fields plus the headers (so that a proxy's or client's can be traced);
        // the secrets among them are redacted above.
        req: (req: { method: string; url: string; headers: Record<string, unknown>; ip?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.ip,
          headers: { ...req.headers },
        }),
        res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
        err: stdSerializers.err,
      },
    },
    // Synchronous writes: a line logged just before process.exit is not lost.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Nest's LoggerService over the pino instance: Nest's own lines and every `new Logger(context)` of the service. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, context?: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      // The message and the error's name, as before; not its stack (it may quote paths and values).
      this.logger[level]({ ...fields, err: message.name }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
