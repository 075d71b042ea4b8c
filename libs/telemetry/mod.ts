export { createLogger, type Logger } from "./logger.ts";
export { exitOnBootFailure, exitOnSignal } from "./shutdown.ts";
