// Types for the module drizzle-kit writes for the durable-sqlite driver (it rewrites migrations.js
// on every generate and leaves this file alone).
declare const migrations: {
  journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] };
  migrations: Record<string, string>;
};
export default migrations;
