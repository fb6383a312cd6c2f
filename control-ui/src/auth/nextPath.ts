/**
 * Where the login page sends the browser afterwards: only a path on this site. `//host`,
 * `/\host` (browsers read `\` as `/`) and absolute URLs would make the login page an open
 * redirect; so would control characters, which the URL parser drops (`/\t/host`).
 */
export function safeNextPath(next: string | null): string {
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (!next || !/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  const url = new URL(next, window.location.origin);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/login')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The login page's address that comes back to `path` (pathname + search) afterwards. */
export function loginPath(path: string): string {
  return `/login?${new URLSearchParams({ next: path }).toString()}`;
}
