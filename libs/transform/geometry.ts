/**
 * Output geometry for img2dataset's resize modes, with albumentations' arithmetic so sizes
 * match it exactly: Python 3 rounding (half to even), padding's odd pixel at bottom/right,
 * crop offsets rounded down.
 */
export type ResizeMode = "no" | "border" | "keep_ratio" | "keep_ratio_largest" | "center_crop";

export interface Geometry {
  /** Size to resize to, or null to keep the original pixels. */
  readonly resize: { width: number; height: number } | null;
  /** White padding after resizing (border). */
  readonly pad: { top: number; bottom: number; left: number; right: number } | null;
  /** Crop after resizing (center_crop). */
  readonly crop: { left: number; top: number; width: number; height: number } | null;
  readonly width: number;
  readonly height: number;
}

export function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(rounded - value) === 0.5 ? 2 * Math.round(value / 2) : rounded;
}

function scaleTo(width: number, height: number, scale: number) {
  return { width: Math.max(1, roundHalfEven(width * scale)), height: Math.max(1, roundHalfEven(height * scale)) };
}

export function computeGeometry(width: number, height: number, mode: ResizeMode, size: number, onlyIfBigger: boolean): Geometry {
  const unchanged: Geometry = { resize: null, pad: null, crop: null, width, height };
  switch (mode) {
    case "no":
      return unchanged;
    case "border":
    case "keep_ratio_largest": {
      if (onlyIfBigger && Math.max(width, height) <= size) return unchanged;
      const resize = scaleTo(width, height, size / Math.max(width, height));
      if (mode === "keep_ratio_largest") return { resize, pad: null, crop: null, ...resize };
      const top = Math.floor((size - resize.height) / 2);
      const left = Math.floor((size - resize.width) / 2);
      const pad = { top, bottom: size - resize.height - top, left, right: size - resize.width - left };
      return { resize, pad, crop: null, width: size, height: size };
    }
    case "keep_ratio":
    case "center_crop": {
      if (onlyIfBigger && Math.min(width, height) <= size) return unchanged;
      const resize = scaleTo(width, height, size / Math.min(width, height));
      if (mode === "keep_ratio") return { resize, pad: null, crop: null, ...resize };
      const crop = {
        left: Math.floor((resize.width - size) / 2),
        top: Math.floor((resize.height - size) / 2),
        width: Math.min(size, resize.width),
        height: Math.min(size, resize.height),
      };
      return { resize, pad: null, crop, width: crop.width, height: crop.height };
    }
  }
}
