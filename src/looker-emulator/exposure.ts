import { isIP } from 'node:net';

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * The warning to print when the emulator listens beyond loopback: its control endpoint has no
 * authentication, so anyone who reaches the port can install faults, replace rows and read
 * counters, and its fixed demo credentials log anyone in.
 */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return [
    '',
    `WARNING: the Looker emulator listens on ${host}, not only on loopback.`,
    'Anyone who can reach this port can log in with the emulator credentials and drive /__emulator',
    '(faults, rows, tokens) without authentication. It is a test double: keep it on 127.0.0.1',
    'unless this network is yours alone.',
    '',
  ].join('\n');
}
