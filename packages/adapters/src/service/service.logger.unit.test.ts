import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from './service.logger';

describe('log redaction', () => {
  it('never writes tokens, authorization headers or secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({ req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.sig' } }, token: 'tok-123', config: { jwtSecret: 'sshh', databaseUrl: 'postgres://u:pw@h/db' } }, 'hello');
    const line = lines.join('');
    expect(line).toContain('hello');
    for (const secret of ['eyJhbGciOi', 'tok-123', 'sshh', 'pw@h']) expect(line).not.toContain(secret);
  });
});
