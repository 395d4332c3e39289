import type { AppConfig } from "../http/context.js";

/**
 * Whether the registry runs with NODE_ENV=production. The entries hand createApp the whole Config,
 * which says so; AppConfig does not declare it yet, and a config without it (the test harness)
 * counts as development.
 */
export function isProduction(config: AppConfig): boolean {
  return (config as AppConfig & { production?: boolean }).production === true;
}
