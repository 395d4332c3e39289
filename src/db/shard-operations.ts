import { and, eq } from "drizzle-orm";
import { type ImportRow, importRows } from "../bindings/import.js";
import { type LoginInput, login } from "../bindings/login.js";
import { endActive, expireBatch, findOwned, type ListQuery, listOwned } from "../bindings/store.js";
import type { BindingRow, EndReason } from "../bindings/view.js";
import { applyCarrierEvent, type CarrierEvent } from "../numbers/lifecycle.js";
import { activeBindingsOf, lastReassignedAt, portedCarriers, recordedEventIds } from "../numbers/store.js";
import { bindings } from "./shard-schema.js";
import type { ShardStore } from "./shard-store.js";

/** Rows per sweep transaction: a write waiting behind a batch waits briefly, a commit is amortised. */
export const SWEEP_BATCH_ROWS = 1_000;

interface Clocked {
  now: number;
  inactivityMs: number;
}

/**
 * Everything a number shard does, in one table: the same functions run in the Node process and
 * inside each Durable Object, so no rule has a second implementation. Inputs and outputs are
 * plain data (a Durable Object call clones them); numbers travel only as hashes and hints.
 */
export const shardOperations = {
  login: (store: ShardStore, input: LoginInput) => login(store, input),

  importBindings: (store: ShardStore, input: { rows: ImportRow[]; now: number; inactivityMs: number }) =>
    importRows(store, input),

  getBinding: (store: ShardStore, input: { appId: string; id: string }): BindingRow | null =>
    findOwned(store.orm, input.appId, input.id) ?? null,

  listBindings: (store: ShardStore, input: ListQuery & { appId: string }): BindingRow[] =>
    listOwned(store.orm, input.appId, input),

  /** Ends one binding of the app, or on the person's number; false when there is no such binding. */
  endBinding: (
    store: ShardStore,
    input: Clocked & { id: string; owner: { appId: string } | { phoneHash: string }; reason: EndReason },
  ): boolean =>
    store.transaction(() => {
      const owner =
        "appId" in input.owner ? eq(bindings.appId, input.owner.appId) : eq(bindings.phoneHash, input.owner.phoneHash);
      const where = and(eq(bindings.id, input.id), owner)!;
      const exists = store.orm.select({ id: bindings.id }).from(bindings).where(where).get() !== undefined;
      if (exists) endActive(store.orm, where, input.reason, input.now, input.inactivityMs);
      return exists;
    }),

  /** The pre-resale check's reads: active bindings and ports of these numbers. */
  checkNumbers: (store: ShardStore, input: { phoneHashes: string[]; cutoff: number }) => ({
    ported: portedCarriers(store.orm, input.phoneHashes),
    bindings: activeBindingsOf(store.orm, input.phoneHashes, input.cutoff),
  }),

  portedCarriers: (store: ShardStore, input: { phoneHashes: string[] }) => portedCarriers(store.orm, input.phoneHashes),

  lastReassignedAt: (store: ShardStore, input: { phoneHash: string }) => lastReassignedAt(store.orm, input.phoneHash),

  /** Before a carrier's batch is applied: which of its ids this shard holds, and which numbers moved. */
  preflightEvents: (store: ShardStore, input: { carrierId: string; eventIds: string[]; phoneHashes: string[] }) => ({
    recorded: recordedEventIds(store.orm, input.carrierId, input.eventIds),
    ported: portedCarriers(store.orm, input.phoneHashes),
  }),

  /** Each event in its own transaction: a failure leaves the events before it applied, each exactly once. */
  applyEvents: (store: ShardStore, input: Clocked & { carrierId: string; events: CarrierEvent[] }) =>
    input.events.map((event) => applyCarrierEvent(store, input.carrierId, event, input.now, input.inactivityMs)),

  bindingsOnNumber: (store: ShardStore, input: Clocked & { phoneHash: string }) =>
    activeBindingsOf(store.orm, [input.phoneHash], input.now - input.inactivityMs),

  /** One batch of inactivity expiries; the caller repeats while a full batch comes back. */
  sweep: (store: ShardStore, input: Clocked): number =>
    store.transaction(() => expireBatch(store.orm, input.now, input.inactivityMs, SWEEP_BATCH_ROWS)),
};

export type ShardOperations = typeof shardOperations;
export type ShardOperationName = keyof ShardOperations;

/** The operations that may write app events: the host delivers its outbox after them. */
export const WRITES_EVENTS: ReadonlySet<ShardOperationName> = new Set(["endBinding", "applyEvents", "sweep"]);
