import { createHmac, createSecretKey } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenVerifier, usualTokenClaims } from '../src/auth/authentication';
import { HttpProblem } from '../src/errors/problem';

const SECRET = 'verifier-secret-verifier-secret!!';
const sign = (claims: Record<string, unknown>, expSeconds: number, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expSeconds).sign(new TextEncoder().encode(secret));

describe('TokenVerifier', () => {
  it('remembers a verified token only until its exp', async () => {
    // The verifier's clock, moved by hand: no test waits for a real second to pass.
    let nowMs = Date.now();
    const verifier = new TokenVerifier(SECRET, 20_000, () => nowMs);
    const exp = Math.floor(nowMs / 1000) + 60;
    const jwt = await sign({ sub: '5', role: 'admin' }, exp);
    expect(await verifier.verify(`Bearer ${jwt}`)).toEqual({ userId: 5, role: 'admin' });
    nowMs = exp * 1000 - 1;
    expect(await verifier.verify(`Bearer ${jwt}`)).toEqual({ userId: 5, role: 'admin' });
    nowMs = exp * 1000;
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

describe('the synchronous check of the usual token', () => {
  const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const handMade = (header: unknown, claims: unknown, secret = SECRET) => {
    const signed = `${encode(header)}.${encode(claims)}`;
    return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
  };
  const joseVerdict = async (token: string) => {
    try {
      return (await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] })).payload;
    } catch {
      return 'refused';
    }
  };

  it('accepts only what jose accepts, with the same claims', async () => {
    const tokens = [
      await sign({ sub: '5', role: 'admin' }, now + 60),
      await new SignJWT({ sub: '6' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET)),
      await sign({ sub: '7' }, now - 1),
      await sign({ sub: '7' }, now),
      await sign({ sub: '7' }, now + 60, 'another-secret-another-secret-!!'),
      await sign({ role: 'user' }, now + 60),
      handMade({ alg: 'HS256' }, { sub: '8', exp: String(now + 60) }),
      handMade({ alg: 'HS256' }, { sub: '8', exp: now + 60, nbf: now + 30 }),
      handMade({ alg: 'HS256' }, { sub: '8', exp: now + 60, nbf: now - 30, iat: 'yesterday' }),
      handMade({ alg: 'HS256' }, { sub: '8', exp: now + 60, nbf: now - 30, iat: now - 30 }),
      handMade({ alg: 'HS256', crit: ['b64'], b64: false }, { sub: '8', exp: now + 60 }),
      handMade({ alg: 'HS256', kid: 'k1' }, { sub: '8', exp: now + 60 }),
      handMade({ alg: 'none' }, { sub: '8', exp: now + 60 }),
      handMade({ alg: 'HS256' }, [{ sub: '8', exp: now + 60 }]),
      handMade(['HS256'], { sub: '8', exp: now + 60 }),
    ];
    for (const token of tokens) {
      const quick = usualTokenClaims(token, key, Math.floor(Date.now() / 1000));
      if (quick !== undefined) expect(quick).toEqual(await joseVerdict(token));
    }
    // The usual shapes do take the quick path.
    expect(usualTokenClaims(tokens[0]!, key, now)).toMatchObject({ sub: '5', role: 'admin' });
    expect(usualTokenClaims(tokens[1]!, key, now)).toMatchObject({ sub: '6' });
    expect(usualTokenClaims(tokens[9]!, key, now)).toMatchObject({ sub: '8' });
  });

  it('leaves a refusal to jose, with its answers', async () => {
    const verifier = new TokenVerifier(SECRET);
    await expect(verifier.verify(`Bearer ${await sign({ sub: '7' }, now - 1)}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token has expired' });
    await expect(verifier.verify(`Bearer ${await sign({ sub: '7' }, now + 60, 'another-secret-another-secret-!!')}`)).rejects.toMatchObject({ message: 'The token is not valid' });
    await expect(verifier.verify(`Bearer ${handMade({ alg: 'HS256' }, { sub: 'x', exp: now + 60 })}`)).rejects.toMatchObject({ message: 'The token subject must be a user id' });
    await expect(verifier.verify(`Bearer ${handMade({ alg: 'HS256' }, { sub: '3', exp: now + 60, role: 'root' })}`)).rejects.toMatchObject({ message: 'The token role is not valid' });
  });
});

describe('verifyNow: no promise on the usual path', () => {
  it('answers a usual or remembered token at once, and only a token jose must judge later', async () => {
    const verifier = new TokenVerifier(SECRET);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const usual = `Bearer ${await sign({ sub: '11' }, exp)}`;
    expect(verifier.verifyNow(usual)).toEqual({ userId: 11, role: 'user' });
    expect(verifier.verifyNow(usual)).toEqual({ userId: 11, role: 'user' });
    const unusual = verifier.verifyNow(`Bearer ${await new SignJWT({ sub: '12' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET))}`);
    expect(unusual).toBeInstanceOf(Promise);
    expect(await unusual).toEqual({ userId: 12, role: 'user' });
    expect(() => verifier.verifyNow(undefined)).toThrow(HttpProblem);
    const notAUser = `Bearer ${await sign({ sub: 'x' }, exp)}`;
    expect(() => verifier.verifyNow(notAUser)).toThrow(/subject/);
  });
});
