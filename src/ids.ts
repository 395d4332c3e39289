const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const DIGIT = new Map([...ALPHABET].map((char, value) => [char, value]));

/** Bits of a number's hash a binding id carries: enough to route it however far the shards split. */
export const ROUTE_BITS = 20;
const ROUTE_CHARS = ROUTE_BITS / 5;

/**
 * An opaque id whose leading characters grow with time, so rows inserted later sort later
 * (keyset pagination then never skips an older row), and whose 80 random bits make it unguessable.
 * With `route` (ROUTE_BITS of the number's hash) the id starts with it: it names its shard at any
 * shard count, and ids sort shard by shard, so one cursor can walk every shard in order.
 */
export function newId(prefix: string, route?: number): string {
  let head = "";
  if (route !== undefined) {
    for (let i = ROUTE_CHARS - 1; i >= 0; i--) head += ALPHABET[(route >>> (5 * i)) & 31];
  }
  let time = Date.now();
  let stamp = "";
  for (let i = 0; i < 9; i++) {
    stamp = ALPHABET[time % 32] + stamp;
    time = Math.floor(time / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let tail = "";
  for (const byte of random) tail += ALPHABET[byte % 32];
  return `${prefix}_${head}${stamp}${tail}`;
}

/** The route an id carries (see newId), or undefined for an id that carries none. */
export function routeOfId(id: string): number | undefined {
  const body = id.slice(id.indexOf("_") + 1);
  if (body.length !== ROUTE_CHARS + 25) return undefined;
  let route = 0;
  for (const char of body.slice(0, ROUTE_CHARS)) {
    const digit = DIGIT.get(char);
    if (digit === undefined) return undefined;
    route = route * 32 + digit;
  }
  return route;
}
