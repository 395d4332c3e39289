import { Problem } from "../http/problems.js";
import { ROUTE_BITS, routeOfId } from "../ids.js";
import type { ShardOperationName, ShardOperations } from "./shard-operations.js";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The first ROUTE_BITS of a number's hash (base64url HMAC): what its shard and its ids are named by. */
export function routeOfHash(phoneHash: string): number {
  let bits = 0;
  // Four base64url characters hold 24 bits.
  for (let i = 0; i < 4; i++) bits = (bits << 6) | Math.max(0, BASE64URL.indexOf(phoneHash[i] ?? "A"));
  return bits >>> (24 - ROUTE_BITS);
}

/** A shard count is 2^k: shard i holds the numbers whose route starts with the k bits of i. */
export function isShardCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= 2 ** ROUTE_BITS && (count & (count - 1)) === 0;
}

function shardOfRoute(route: number, count: number): number {
  return route >>> (ROUTE_BITS - Math.log2(count));
}

/** What a shard answers across any boundary (a Durable Object call clones it): a value or a problem. */
export type ShardResult<T> =
  | { value: T }
  | { problem: { code: Problem["code"]; detail: string; errors?: Problem["errors"] } };

/** One shard, wherever it runs: in this process, or behind a Durable Object stub. */
export interface ShardHost {
  invoke(name: ShardOperationName, input: unknown): Promise<ShardResult<unknown>>;
}

type Input<N extends ShardOperationName> = Parameters<ShardOperations[N]>[1];
type Output<N extends ShardOperationName> = ReturnType<ShardOperations[N]>;

/** The number shards, as the HTTP layer sees them: route by number or by binding id, then call. */
export class Shards {
  constructor(
    readonly count: number,
    private readonly host: (index: number) => ShardHost,
  ) {
    if (!isShardCount(count)) throw new Error(`a shard count is a power of two up to 2^${ROUTE_BITS}, not ${count}`);
  }

  ofHash(phoneHash: string): number {
    return shardOfRoute(routeOfHash(phoneHash), this.count);
  }

  /** The shard an id names, or undefined for an id no shard can hold (read: 404). */
  ofId(id: string): number | undefined {
    if (this.count === 1) return 0;
    const route = routeOfId(id);
    return route === undefined ? undefined : shardOfRoute(route, this.count);
  }

  async call<N extends ShardOperationName>(index: number, name: N, input: Input<N>): Promise<Output<N>> {
    const result = (await this.host(index).invoke(name, input)) as ShardResult<Output<N>>;
    if ("problem" in result) throw new Problem(result.problem.code, result.problem.detail, result.problem.errors);
    return result.value;
  }

  /** Groups items by the shard of their number: [shard index, items in input order][]. */
  group<T>(items: readonly T[], hashOf: (item: T) => string): [number, T[]][] {
    const groups = new Map<number, T[]>();
    for (const item of items) {
      const index = this.ofHash(hashOf(item));
      const group = groups.get(index);
      if (group) group.push(item);
      else groups.set(index, [item]);
    }
    return [...groups].sort(([a], [b]) => a - b);
  }
}
