/*
 * `pnpm token --sub 42 [--role admin] [--ttl 1h]`: prints a token signed with JWT_SECRET, for an
 * operator who needs to call the API as a user or an admin (the identity provider issues the
 * real ones). Only the token goes to stdout, so `export TOKEN=$(pnpm -s token --sub 42)` works.
 * In production: `node --conditions=storefront-compiled apps/http/dist/token.main.js --sub 42`.
 */
import { parseArgs } from 'node:util';
import { issueToken, TTL } from './auth/issue-token';
import { loadServiceConfig } from '@storefront/adapters';

const USAGE = 'usage: pnpm token --sub <user id> [--role user|admin] [--ttl 1h]';

function fail(message: string): never {
  console.error(`token: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: { sub?: string; role?: string; ttl?: string };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: { sub: { type: 'string' }, role: { type: 'string', default: 'user' }, ttl: { type: 'string', default: '1h' } },
    strict: true,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const sub = values.sub ?? fail('--sub is required');
if (!/^[1-9][0-9]{0,15}$/.test(sub) || !Number.isSafeInteger(Number(sub))) fail('--sub must be a positive integer user id');
const role = values.role;
if (role !== 'user' && role !== 'admin') fail('--role must be user or admin');
const ttl = values.ttl ?? '1h';
if (!TTL.test(ttl)) fail('--ttl must be a number and a unit: 90s, 30m, 1h, 7d');

const config = loadServiceConfig();
if (config.jwt.isDevelopmentDefault) console.error('token: JWT_SECRET is not set; signing with the development secret (only the development service accepts it)');
process.stdout.write(`${await issueToken(config.jwt.secret, { sub: Number(sub), role, ttl })}\n`);
