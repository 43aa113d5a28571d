/**
 * The refresh token as a browser keeps it: an HttpOnly cookie page scripts
 * cannot read, sent only to the auth routes (Path=/api/auth), never on a
 * cross-site request (SameSite=Strict), and only over TLS when the client came
 * over TLS (Secure; plain http on localhost would drop a Secure cookie).
 * Non-browser clients keep using the body; both are accepted.
 */
export const REFRESH_COOKIE = "jts_refresh";
export const REFRESH_COOKIE_PATH = "/api/auth";

export function refreshCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${REFRESH_COOKIE}=${token}`,
    `Path=${REFRESH_COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedRefreshCookie(secure: boolean): string {
  return refreshCookie("", 0, secure);
}

/** The refresh token in the request's Cookie header, if any. */
export function refreshTokenFromCookie(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // Tokens are base64url: anything else is not ours.
    return /^[A-Za-z0-9_-]{1,512}$/.test(value) ? value : undefined;
  }
  return undefined;
}
