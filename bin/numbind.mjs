#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx numbind ...` works from a clean checkout.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
