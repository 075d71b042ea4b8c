export { startFixtureServer } from "./fixture-server.ts";
export type { FixtureServer, FixtureServerOptions } from "./fixture-server.ts";
export { imagePath } from "./image-spec.ts";
export type { ImageFormat, ImageKind, ImageSpec } from "./image-spec.ts";
export { renderImage } from "./render-image.ts";
export { demoRows } from "./demo-rows.ts";
export type { DemoRow, DemoRowsOptions } from "./demo-rows.ts";
export { TRICKY_CAPTIONS } from "./captions.ts";
export { startNatsServer, type NatsServerProcess } from "./nats-server.ts";
