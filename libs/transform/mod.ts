export { computeGeometry, roundHalfEven, type Geometry, type ResizeMode } from "./geometry.ts";
export { transformImage, TransformFailure, type TransformedImage, type TransformOptions } from "./transform-image.ts";
