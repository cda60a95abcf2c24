/*
 * io.jwt.* host builtins on node:crypto: decode, verify_* (HS/RS/PS/ES/EdDSA),
 * decode_verify with OPA's constraints, encode_sign(_raw) with JWK keys.
 */
import {
  KeyObject,
  X509Certificate,
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  webcrypto,
} from 'node:crypto';

/** A JSON value as it crosses from wasm; narrowed before use. */
type J = unknown;
type JObject = { [key: string]: J };

const isObj = (x: J): x is JObject =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

/** A member of a JSON object; undefined for anything that is not an object. */
const field = (x: J, key: string): J => (isObj(x) ? x[key] : undefined);

function need(cond: unknown, msg = 'operand type'): asserts cond {
  if (!cond) throw new Error(msg);
}

const JWK_STRING_FIELDS = [
  'alg',
  'crv',
  'd',
  'dp',
  'dq',
  'e',
  'k',
  'kty',
  'n',
  'p',
  'q',
  'qi',
  'use',
  'x',
  'y',
];

/** A JSON object whose JWK members have the types node:crypto expects. */
function isJwk(x: J): x is webcrypto.JsonWebKey {
  return (
    isObj(x) &&
    JWK_STRING_FIELDS.every(f => x[f] === undefined || typeof x[f] === 'string')
  );
}

function jwkKey(x: J): webcrypto.JsonWebKey {
  need(isJwk(x), 'invalid JWK');
  return x;
}

function b64url(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw new Error('invalid base64url');
  return Buffer.from(s, 'base64url');
}

interface Decoded {
  header: J;
  payload: J;
  signature: Buffer;
  signingInput: string;
}

export function decodeJwt(token: J): Decoded {
  if (typeof token !== 'string') throw new Error('operand type');
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('encoded JWT must have 3 sections');
  const header: J = JSON.parse(b64url(parts[0]).toString('utf8'));
  let payload: J = JSON.parse(b64url(parts[1]).toString('utf8'));
  if (field(header, 'cty') === 'JWT')
    payload = decodeJwt(b64url(parts[1]).toString('utf8')).payload;
  return {
    header,
    payload,
    signature: b64url(parts[2]),
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

function publicKeys(material: string): KeyObject[] {
  const text = material.trim();
  if (text.startsWith('{')) {
    const json: J = JSON.parse(text);
    const keys = field(json, 'keys');
    const jwks: J[] = Array.isArray(keys) ? keys : [json];
    return jwks.map(k => createPublicKey({ key: jwkKey(k), format: 'jwk' }));
  }
  if (text.includes('BEGIN CERTIFICATE')) {
    return text
      .split(/(?=-----BEGIN CERTIFICATE-----)/)
      .filter(p => p.includes('BEGIN'))
      .map(p => new X509Certificate(p).publicKey);
  }
  return [createPublicKey(text)];
}

const HASH: Record<string, string> = {
  '256': 'sha256',
  '384': 'sha384',
  '512': 'sha512',
};

function verifyWith(
  alg: string,
  input: string,
  sig: Buffer,
  key: KeyObject | Buffer,
): boolean {
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  const data = Buffer.from(input);
  if (family === 'HS') {
    const mac = createHmac(hash, key as Buffer)
      .update(data)
      .digest();
    return mac.length === sig.length && timingSafeEqual(mac, sig);
  }
  if (alg === 'EdDSA') return cryptoVerify(null, data, key as KeyObject, sig);
  if (family === 'RS') return cryptoVerify(hash, data, key as KeyObject, sig);
  if (family === 'PS') {
    return cryptoVerify(
      hash,
      data,
      {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      sig,
    );
  }
  if (family === 'ES')
    return cryptoVerify(
      hash,
      data,
      { key: key as KeyObject, dsaEncoding: 'ieee-p1363' },
      sig,
    );
  return false;
}

function verifyToken(alg: string, token: string, keyMaterial: string): boolean {
  const d = decodeJwt(token);
  if (alg.startsWith('HS'))
    return verifyWith(
      alg,
      d.signingInput,
      d.signature,
      Buffer.from(keyMaterial),
    );
  return publicKeys(keyMaterial).some(k => {
    try {
      return verifyWith(alg, d.signingInput, d.signature, k);
    } catch {
      return false;
    }
  });
}

function decodeVerify(token: J, constraints: J): J {
  if (typeof constraints !== 'object' || constraints === null)
    throw new Error('operand type');
  const c = (key: string) => field(constraints, key);
  const invalid = [false, {}, {}];
  const d = decodeJwt(token);
  const alg = field(d.header, 'alg');
  if (c('alg') !== undefined && c('alg') !== alg) return invalid;
  const secret = c('secret');
  const cert = c('cert');
  if ((cert === undefined) === (secret === undefined))
    throw new Error('exactly one of cert and secret required');
  let ok = false;
  if (typeof alg === 'string' && alg.startsWith('HS')) {
    ok =
      secret !== undefined &&
      verifyWith(alg, d.signingInput, d.signature, Buffer.from(String(secret)));
  } else if (typeof alg === 'string' && cert !== undefined) {
    ok = verifyToken(alg, String(token), String(cert));
  }
  if (!ok) return invalid;
  const now = c('time') !== undefined ? Number(c('time')) : Date.now() * 1e6;
  const p = d.payload ?? {};
  const exp = field(p, 'exp');
  const nbf = field(p, 'nbf');
  const aud = field(p, 'aud');
  if (exp !== undefined && (typeof exp !== 'number' || now >= exp * 1e9))
    return invalid;
  if (nbf !== undefined && (typeof nbf !== 'number' || now < nbf * 1e9))
    return invalid;
  if (c('iss') !== undefined && field(p, 'iss') !== c('iss')) return invalid;
  if (aud !== undefined) {
    const auds: J[] = Array.isArray(aud) ? aud : [aud];
    if (c('aud') === undefined || !auds.includes(c('aud'))) return invalid;
  } else if (c('aud') !== undefined) return invalid;
  return [true, d.header, p];
}

function signToken(headerText: J, payloadText: J, jwkText: J): string {
  need(typeof headerText === 'string' && typeof payloadText === 'string');
  const header: J = JSON.parse(headerText);
  const jwk = jwkKey(
    typeof jwkText === 'string' ? JSON.parse(jwkText) : jwkText,
  );
  const alg = field(header, 'alg');
  need(typeof alg === 'string', 'missing alg');
  const input = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(
    payloadText,
  ).toString('base64url')}`;
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  let sig: Buffer;
  if (family === 'HS') {
    need(typeof jwk.k === 'string', 'invalid JWK');
    sig = createHmac(hash, b64url(jwk.k)).update(input).digest();
  } else {
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    if (alg === 'EdDSA') sig = cryptoSign(null, Buffer.from(input), key);
    else if (family === 'PS')
      sig = cryptoSign(hash, Buffer.from(input), {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    else if (family === 'ES')
      sig = cryptoSign(hash, Buffer.from(input), {
        key,
        dsaEncoding: 'ieee-p1363',
      });
    else sig = cryptoSign(hash, Buffer.from(input), key);
  }
  return `${input}.${sig.toString('base64url')}`;
}

const verifiers: Record<string, (t: J, k: J) => boolean> = {};
for (const alg of [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]) {
  verifiers[`io.jwt.verify_${alg.toLowerCase()}`] = (t, k) => {
    if (typeof t !== 'string' || typeof k !== 'string')
      throw new Error('operand type');
    return verifyToken(alg, t, k);
  };
}

export const jwtBuiltins: Record<string, (...args: J[]) => J> = {
  'io.jwt.decode': t => {
    const d = decodeJwt(t);
    return [d.header, d.payload, d.signature.toString('hex')];
  },
  'io.jwt.decode_verify': (t, c) => decodeVerify(t, c),
  'io.jwt.encode_sign_raw': (h, p, k) => signToken(h, p, k),
  'io.jwt.encode_sign': (h, p, k) =>
    signToken(JSON.stringify(h), JSON.stringify(p), k),
  ...verifiers,
};
