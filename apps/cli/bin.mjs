#!/usr/bin/env node
// Entry point that runs the TypeScript CLI directly: tsx is resolved next to this file, so the
// command works from any working directory without a build step.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
