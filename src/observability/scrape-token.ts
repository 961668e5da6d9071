import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks the `Authorization` header of a scrape against METRICS_TOKEN; every scrape passes when
 * no token is configured. Digests have equal length, so the comparison time says nothing about it.
 */
export function scrapeAuthorizer(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
