// Original file: ../../proto/laion_dl/v1/transform.proto


export interface EncodedImage {
  /**
   * The encoded output image (encode_format).
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * Size of the output image, in pixels.
   */
  'width'?: (number);
  'height'?: (number);
  /**
   * Size of the decoded original (first frame for animations), in pixels.
   */
  'original_width'?: (number);
  'original_height'?: (number);
  /**
   * With extract_exif: the EXIF tags as a JSON object string ("{}" when the image has none).
   * Absent when not asked for, or when the EXIF block could not be read.
   */
  'exif'?: (string);
  '_exif'?: "exif";
}

export interface EncodedImage__Output {
  /**
   * The encoded output image (encode_format).
   */
  'data': (Buffer);
  /**
   * Size of the output image, in pixels.
   */
  'width': (number);
  'height': (number);
  /**
   * Size of the decoded original (first frame for animations), in pixels.
   */
  'original_width': (number);
  'original_height': (number);
  /**
   * With extract_exif: the EXIF tags as a JSON object string ("{}" when the image has none).
   * Absent when not asked for, or when the EXIF block could not be read.
   */
  'exif'?: (string);
  '_exif'?: "exif";
}
