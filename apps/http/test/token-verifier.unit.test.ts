import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenVerifier } from '../src/auth/authentication';
import { HttpProblem } from '../src/errors/problem';

const SECRET = 'verifier-secret-verifier-secret!!';
const sign = (claims: Record<string, unknown>, expSeconds: number, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expSeconds).sign(new TextEncoder().encode(secret));

describe('TokenVerifier', () => {
  it('remembers a verified token only until its exp', async () => {
    const verifier = new TokenVerifier(SECRET);
    const jwt = await sign({ sub: '5', role: 'admin' }, Math.floor(Date.now() / 1000) + 1);
    expect(await verifier.verify(`Bearer ${jwt}`)).toEqual({ userId: 5, role: 'admin' });
    expect(await verifier.verify(`Bearer ${jwt}`)).toEqual({ userId: 5, role: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000) + 1000));
    await expect(verifier.verify(`Bearer ${jwt}`)).rejects.toBeInstanceOf(HttpProblem);
  });

  it('never answers from memory for a token that did not verify', async () => {
    const verifier = new TokenVerifier(SECRET, 2);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const good = await sign({ sub: '1' }, exp);
    const forged = await sign({ sub: '1' }, exp, 'another-secret-another-secret-!!');
    expect(await verifier.verify(`Bearer ${good}`)).toEqual({ userId: 1, role: 'user' });
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A bounded memory: more tokens than it keeps still verify.
    for (let sub = 2; sub < 6; sub++) expect((await verifier.verify(`Bearer ${await sign({ sub: String(sub) }, exp)}`)).userId).toBe(sub);
  });
});
