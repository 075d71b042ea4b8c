// Original file: ../../proto/laion_dl/v1/transform.proto


/**
 * img2dataset's resize options, with img2dataset's names and meanings. Each field is named as
 * its download option, and converted by the one option table (@laion-dl/config).
 */
export interface TransformOptions {
  /**
   * Target size in pixels (img2dataset --image_size).
   */
  'image_size'?: (number);
  /**
   * "no" | "border" | "keep_ratio" | "keep_ratio_largest" | "center_crop".
   */
  'resize_mode'?: (string);
  /**
   * Leave images already smaller than the target at their size.
   */
  'resize_only_if_bigger'?: (boolean);
  /**
   * Smallest accepted side of the original, in pixels; 0 accepts all.
   */
  'min_image_size'?: (number);
  /**
   * Largest accepted width * height of the original. Absent = no limit.
   */
  'max_image_area'?: (number | string);
  /**
   * Largest accepted long side / short side of the original. Absent = no limit.
   */
  'max_aspect_ratio'?: (number | string);
  /**
   * "jpg" | "png" | "webp".
   */
  'encode_format'?: (string);
  /**
   * JPEG/WebP quality (0-100); for PNG the zlib compression level (0-9), as in img2dataset.
   */
  'encode_quality'?: (number);
  /**
   * Resampling kernels ("area", "lanczos4", "cubic", "linear", "nearest", …, img2dataset's
   * upscale_interpolation / downscale_interpolation). Absent = the transformer's default.
   */
  'upscale_interpolation'?: (string);
  'downscale_interpolation'?: (string);
  /**
   * Rotate by the EXIF orientation (default true); false reproduces img2dataset's unrotated output.
   */
  'apply_exif_orientation'?: (boolean);
  /**
   * Keep the original bytes when the image is already in encode_format and needs no resize.
   */
  'skip_reencode'?: (boolean);
  /**
   * Return the image's EXIF tags in EncodedImage.exif (img2dataset --extract_exif).
   */
  'extract_exif'?: (boolean);
  '_max_image_area'?: "max_image_area";
  '_max_aspect_ratio'?: "max_aspect_ratio";
  '_upscale_interpolation'?: "upscale_interpolation";
  '_downscale_interpolation'?: "downscale_interpolation";
  '_apply_exif_orientation'?: "apply_exif_orientation";
  '_skip_reencode'?: "skip_reencode";
  '_extract_exif'?: "extract_exif";
}

/**
 * img2dataset's resize options, with img2dataset's names and meanings. Each field is named as
 * its download option, and converted by the one option table (@laion-dl/config).
 */
export interface TransformOptions__Output {
  /**
   * Target size in pixels (img2dataset --image_size).
   */
  'image_size': (number);
  /**
   * "no" | "border" | "keep_ratio" | "keep_ratio_largest" | "center_crop".
   */
  'resize_mode': (string);
  /**
   * Leave images already smaller than the target at their size.
   */
  'resize_only_if_bigger': (boolean);
  /**
   * Smallest accepted side of the original, in pixels; 0 accepts all.
   */
  'min_image_size': (number);
  /**
   * Largest accepted width * height of the original. Absent = no limit.
   */
  'max_image_area'?: (number);
  /**
   * Largest accepted long side / short side of the original. Absent = no limit.
   */
  'max_aspect_ratio'?: (number);
  /**
   * "jpg" | "png" | "webp".
   */
  'encode_format': (string);
  /**
   * JPEG/WebP quality (0-100); for PNG the zlib compression level (0-9), as in img2dataset.
   */
  'encode_quality': (number);
  /**
   * Resampling kernels ("area", "lanczos4", "cubic", "linear", "nearest", …, img2dataset's
   * upscale_interpolation / downscale_interpolation). Absent = the transformer's default.
   */
  'upscale_interpolation'?: (string);
  'downscale_interpolation'?: (string);
  /**
   * Rotate by the EXIF orientation (default true); false reproduces img2dataset's unrotated output.
   */
  'apply_exif_orientation'?: (boolean);
  /**
   * Keep the original bytes when the image is already in encode_format and needs no resize.
   */
  'skip_reencode'?: (boolean);
  /**
   * Return the image's EXIF tags in EncodedImage.exif (img2dataset --extract_exif).
   */
  'extract_exif'?: (boolean);
  '_max_image_area'?: "max_image_area";
  '_max_aspect_ratio'?: "max_aspect_ratio";
  '_upscale_interpolation'?: "upscale_interpolation";
  '_downscale_interpolation'?: "downscale_interpolation";
  '_apply_exif_orientation'?: "apply_exif_orientation";
  '_skip_reencode'?: "skip_reencode";
  '_extract_exif'?: "extract_exif";
}
