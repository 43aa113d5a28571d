import { encodeQuery, type QueryValue, sha512Hex, signJwt } from "@jts/broker-kit";

/**
 * The string Upbit hashes into `query_hash`: the request's parameters as an
 * unencoded query string (`key=value&states[]=wait`), in the order sent — the
 * URL query for GET/DELETE, the JSON body's fields for POST.
 */
export function hashableQuery(params: Record<string, QueryValue> | undefined): string {
  return decodeURIComponent(encodeQuery(params));
}

/**
 * Upbit's bearer token: a JWT (HS512, as in the docs' example token) with the
 * access key, a fresh UUID nonce and, when there are parameters, the SHA-512
 * of them. The secret key is used as is (it is not base64).
 */
export function upbitToken(
  accessKey: string,
  secretKey: string,
  query: string,
  nonce: string = crypto.randomUUID(),
): string {
  const claims: Record<string, string> = { access_key: accessKey, nonce };
  if (query) {
    claims.query_hash = sha512Hex(query);
    claims.query_hash_alg = "SHA512";
  }
  return signJwt(claims, secretKey, "HS512");
}
