export { ManifestError } from "./manifest-error.ts";
export { openManifest } from "./open-manifest.ts";
export type { ManifestFormat, ManifestRow, ManifestSource, ResumePoint } from "./types.ts";
export { writeManifest } from "./write-manifest.ts";
export { checkManifest, ManifestShapeError, type RequiredColumn } from "./check-manifest.ts";
export { isManifestUrl, manifestBytes, type ManifestBytes } from "./manifest-bytes.ts";
