import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

const LISTEN = '0A';

/** /proc writes each 32-bit word of an address in host (little-endian) byte order. */
function addressBytes(hex: string): number[] {
  return (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16)).reverse(),
  );
}

function ipv4(hex: string): string {
  return addressBytes(hex).join('.');
}

function ipv6(hex: string): string {
  const bytes = addressBytes(hex);
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups = Array.from({ length: 8 }, (_, index) =>
    (((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0)).toString(16),
  );
  const text = groups.join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text;
}

/**
 * The local addresses sockets listen on for `port`, read from /proc/net/tcp and tcp6 (Linux):
 * `0.0.0.0` or `::` means every interface, `127.0.0.1`, `::ffff:127.0.0.1` or `::1` loopback only.
 * Undefined where /proc is not available.
 */
export function listeningAddresses(port: number): string[] | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const found: string[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local) continue;
      const [address, portHex] = local.split(':');
      if (Number.parseInt(portHex ?? '', 16) === port) found.push(decode(address ?? ''));
    }
  }
  return found;
}

export const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::ffff:127.0.0.1', '::1']);

/** Whether a TCP connection to `host:port` is accepted (true) or refused (false). */
export function accepts(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
