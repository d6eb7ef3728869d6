import { SignJWT } from 'jose';

/**
 * Bearer tokens signed up front, as the storefront's identity provider would issue them, so
 * that signing costs nothing while the load runs. `tokens[u]` is user u's (index 0 unused).
 */
export async function signUserTokens(secret: string, users: number, lifetimeSeconds: number): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const tokens: string[] = [''];
  for (let u = 1; u <= users; u += 1) {
    tokens.push(await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(u)).setExpirationTime(exp).sign(key));
  }
  return tokens;
}

export async function signAdminToken(secret: string, lifetimeSeconds: number): Promise<string> {
  const key = new TextEncoder().encode(secret);
  return new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('999999999')
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
    .sign(key);
}
