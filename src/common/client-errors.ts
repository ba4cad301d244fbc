/**
 * Answers for what Node's HTTP parser refuses before Fastify sees a request (the server's
 * `clientError` event): headers too large (431), a request not received within the header or
 * request timeout (408), bytes that are not HTTP (400). Problem+json like every other answer,
 * never quoting what the client sent, and the connection is closed.
 */
import type { Socket } from 'node:net';
import { AppError } from './errors.js';
import { toProblem } from './problem.filter.js';

function errorFor(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE', 'the request line and headers exceed the size the service reads');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('REQUEST_TIMEOUT', 'the request was not received in time; the connection is closed');
  return new AppError('VALIDATION_FAILED', 'the request is not valid HTTP', []);
}

export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node's own handler: no answer on a socket whose current response has begun.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    const { body } = toProblem(errorFor(error.code));
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}
