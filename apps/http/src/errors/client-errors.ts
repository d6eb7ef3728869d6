import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode } from '@storefront/domain';
import { PROBLEM_CONTENT_TYPE, problem } from './problem';

/**
 * Node's HTTP parser and timers fail some requests before Fastify ever sees them: a request that
 * does not arrive in time (408), headers beyond the size limit (431), or bytes that are not HTTP
 * (400). They are the client's fault, so they carry VALIDATION_FAILED, with their own status.
 */
function statusOf(error: NodeJS.ErrnoException): { status: number; detail: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, detail: 'The request did not arrive in time' };
  if (error.code === 'HPE_HEADER_OVERFLOW') return { status: 431, detail: 'The request headers are larger than the limit' };
  return { status: 400, detail: 'The request is not valid HTTP' };
}

/** Fastify's `clientErrorHandler`: the same problem+json as every other error, then the socket is closed. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = statusOf(error);
  const body = JSON.stringify({ ...problem(ErrorCode.ValidationFailed, detail), status, title: STATUS_CODES[status] ?? 'Bad Request' });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  // Destroyed once written, not just ended: a client that keeps the socket half open (a stalled
  // body) must not keep holding it.
  socket.end(head + body, () => socket.destroy());
}
