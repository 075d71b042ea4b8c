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
}
