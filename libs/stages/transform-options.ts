import { ENCODE_FORMATS, INTERPOLATIONS, RESIZE_MODES } from "@laion-dl/config";
import type { TransformOptions as ProtoTransformOptions, TransformOptions__Output } from "@laion-dl/grpc";
import { TransformFailure, type Interpolation, type ResizeMode, type TransformOptions } from "@laion-dl/transform";

/** The options as sent in every TransformRequest; an unlimited area or ratio is left absent. */
export function transformOptionsToProto(options: TransformOptions): ProtoTransformOptions {
  const proto: ProtoTransformOptions = {
    image_size: options.imageSize,
    resize_mode: options.resizeMode,
    resize_only_if_bigger: options.resizeOnlyIfBigger,
    min_image_size: options.minImageSize,
    encode_format: options.encodeFormat,
    encode_quality: options.encodeQuality,
  };
  if (Number.isFinite(options.maxImageArea)) proto.max_image_area = options.maxImageArea;
  if (Number.isFinite(options.maxAspectRatio)) proto.max_aspect_ratio = options.maxAspectRatio;
  if (options.upscaleInterpolation !== undefined) proto.upscale_interpolation = options.upscaleInterpolation;
  if (options.downscaleInterpolation !== undefined) proto.downscale_interpolation = options.downscaleInterpolation;
  if (options.applyExifOrientation !== undefined) proto.apply_exif_orientation = options.applyExifOrientation;
  if (options.skipReencode !== undefined) proto.skip_reencode = options.skipReencode;
  if (options.extractExif !== undefined) proto.extract_exif = options.extractExif;
  return proto;
}

/**
 * The options of a received TransformRequest; absent limits are no limits. Options no transform
 * can honour throw a TransformFailure worded like sharp ("Expected X for Y but received Z").
 */
export function transformOptionsFromProto(proto: TransformOptions__Output | null | undefined): TransformOptions {
  if (!proto) throw new TransformFailure("Expected transform options for options but received none");
  const oneOf = <T extends string>(allowed: readonly T[], value: string, name: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new TransformFailure(`Expected one of ${allowed.join(", ")} for ${name} but received ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  if (!Number.isInteger(proto.image_size) || proto.image_size < 1) {
    throw new TransformFailure(`Expected positive integer for image_size but received ${proto.image_size}`);
  }
  return {
    imageSize: proto.image_size,
    resizeMode: oneOf<ResizeMode>(RESIZE_MODES, proto.resize_mode, "resize_mode"),
    resizeOnlyIfBigger: proto.resize_only_if_bigger,
    minImageSize: proto.min_image_size,
    maxImageArea: proto.max_image_area ?? Infinity,
    maxAspectRatio: proto.max_aspect_ratio ?? Infinity,
    encodeFormat: oneOf(ENCODE_FORMATS, proto.encode_format, "encode_format"),
    encodeQuality: proto.encode_quality,
    ...(proto.upscale_interpolation === undefined
      ? {}
      : { upscaleInterpolation: oneOf<Interpolation>(INTERPOLATIONS, proto.upscale_interpolation, "upscale_interpolation") }),
    ...(proto.downscale_interpolation === undefined
      ? {}
      : { downscaleInterpolation: oneOf<Interpolation>(INTERPOLATIONS, proto.downscale_interpolation, "downscale_interpolation") }),
    ...(proto.apply_exif_orientation === undefined ? {} : { applyExifOrientation: proto.apply_exif_orientation }),
    ...(proto.skip_reencode === undefined ? {} : { skipReencode: proto.skip_reencode }),
    ...(proto.extract_exif === undefined ? {} : { extractExif: proto.extract_exif }),
  };
}
