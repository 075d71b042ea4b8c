export { computeGeometry, roundHalfEven, type Geometry, type ResizeMode } from "./geometry.ts";
export {
  MAX_IMAGE_PIXELS,
  PIXEL_LIMIT_MESSAGE,
  transformImage,
  TransformFailure,
  type Interpolation,
  type TransformedImage,
  type TransformOptions,
} from "./transform-image.ts";
export { parseExif, readExif } from "./exif.ts";
