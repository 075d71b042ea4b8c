import sharp from "sharp";

/*
 * The `exif` column as img2dataset writes it: json.dumps({name: str(value).strip()}) over the tags
 * exifread finds (details=False), named "<IFD> <Tag>" ("Image Make", "EXIF DateTimeOriginal",
 * "GPS GPSLatitude", "Thumbnail Compression"), values printed the way exifread prints them.
 */

const IFD_NAMES = { ifd0: "Image", ifd1: "Thumbnail", exif: "EXIF", gps: "GPS", interop: "Interoperability" } as const;
type IfdKind = keyof typeof IFD_NAMES;

const EXIF_POINTER = 0x8769;
const GPS_POINTER = 0x8825;
const INTEROP_POINTER = 0xa005;
const MAKER_NOTE = 0x927c; // skipped, as exifread does with details=False

const IMAGE_TAGS: Readonly<Record<number, string>> = {
  0x0100: "ImageWidth",
  0x0101: "ImageLength",
  0x0102: "BitsPerSample",
  0x0103: "Compression",
  0x0106: "PhotometricInterpretation",
  0x010e: "ImageDescription",
  0x010f: "Make",
  0x0110: "Model",
  0x0111: "StripOffsets",
  0x0112: "Orientation",
  0x0115: "SamplesPerPixel",
  0x0116: "RowsPerStrip",
  0x0117: "StripByteCounts",
  0x011a: "XResolution",
  0x011b: "YResolution",
  0x011c: "PlanarConfiguration",
  0x0128: "ResolutionUnit",
  0x0131: "Software",
  0x0132: "DateTime",
  0x013b: "Artist",
  0x013e: "WhitePoint",
  0x013f: "PrimaryChromaticities",
  0x0201: "JPEGInterchangeFormat",
  0x0202: "JPEGInterchangeFormatLength",
  0x0211: "YCbCrCoefficients",
  0x0213: "YCbCrPositioning",
  0x0214: "ReferenceBlackWhite",
  0x8298: "Copyright",
  [EXIF_POINTER]: "ExifOffset",
  [GPS_POINTER]: "GPSInfo",
};
const EXIF_TAGS: Readonly<Record<number, string>> = {
  0x829a: "ExposureTime",
  0x829d: "FNumber",
  0x8822: "ExposureProgram",
  0x8827: "ISOSpeedRatings",
  0x9000: "ExifVersion",
  0x9003: "DateTimeOriginal",
  0x9004: "DateTimeDigitized",
  0x9010: "OffsetTime",
  0x9011: "OffsetTimeOriginal",
  0x9012: "OffsetTimeDigitized",
  0x9101: "ComponentsConfiguration",
  0x9102: "CompressedBitsPerPixel",
  0x9201: "ShutterSpeedValue",
  0x9202: "ApertureValue",
  0x9203: "BrightnessValue",
  0x9204: "ExposureBiasValue",
  0x9205: "MaxApertureValue",
  0x9206: "SubjectDistance",
  0x9207: "MeteringMode",
  0x9208: "LightSource",
  0x9209: "Flash",
  0x920a: "FocalLength",
  0x9286: "UserComment",
  0x9290: "SubSecTime",
  0x9291: "SubSecTimeOriginal",
  0x9292: "SubSecTimeDigitized",
  0xa000: "FlashPixVersion",
  0xa001: "ColorSpace",
  0xa002: "ExifImageWidth",
  0xa003: "ExifImageLength",
  [INTEROP_POINTER]: "InteroperabilityOffset",
  0xa217: "SensingMethod",
  0xa300: "FileSource",
  0xa301: "SceneType",
  0xa401: "CustomRendered",
  0xa402: "ExposureMode",
  0xa403: "WhiteBalance",
  0xa404: "DigitalZoomRatio",
  0xa405: "FocalLengthIn35mmFilm",
  0xa406: "SceneCaptureType",
  0xa407: "GainControl",
  0xa408: "Contrast",
  0xa409: "Saturation",
  0xa40a: "Sharpness",
  0xa420: "ImageUniqueID",
  0xa430: "CameraOwnerName",
  0xa431: "BodySerialNumber",
  0xa432: "LensSpecification",
  0xa433: "LensMake",
  0xa434: "LensModel",
  0xa435: "LensSerialNumber",
};
const GPS_TAGS: Readonly<Record<number, string>> = {
  0x00: "GPSVersionID",
  0x01: "GPSLatitudeRef",
  0x02: "GPSLatitude",
  0x03: "GPSLongitudeRef",
  0x04: "GPSLongitude",
  0x05: "GPSAltitudeRef",
  0x06: "GPSAltitude",
  0x07: "GPSTimeStamp",
  0x08: "GPSSatellites",
  0x09: "GPSStatus",
  0x0a: "GPSMeasureMode",
  0x0b: "GPSDOP",
  0x0c: "GPSSpeedRef",
  0x0d: "GPSSpeed",
  0x0e: "GPSTrackRef",
  0x0f: "GPSTrack",
  0x10: "GPSImgDirectionRef",
  0x11: "GPSImgDirection",
  0x12: "GPSMapDatum",
  0x1b: "GPSProcessingMethod",
  0x1d: "GPSDate",
};
const INTEROP_TAGS: Readonly<Record<number, string>> = { 0x0001: "InteroperabilityIndex", 0x0002: "InteroperabilityVersion" };
const TAGS: Readonly<Record<IfdKind, Readonly<Record<number, string>>>> = {
  ifd0: IMAGE_TAGS,
  ifd1: IMAGE_TAGS,
  exif: EXIF_TAGS,
  gps: GPS_TAGS,
  interop: INTEROP_TAGS,
};

// exifread prints these single values by name.
const ENUMS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  Orientation: {
    1: "Horizontal (normal)",
    2: "Mirrored horizontal",
    3: "Rotated 180",
    4: "Mirrored vertical",
    5: "Mirrored horizontal then rotated 90 CCW",
    6: "Rotated 90 CW",
    7: "Mirrored horizontal then rotated 90 CW",
    8: "Rotated 90 CCW",
  },
  ResolutionUnit: { 1: "Not Absolute", 2: "Pixels/Inch", 3: "Pixels/Centimeter" },
  YCbCrPositioning: { 1: "Centered", 2: "Co-sited" },
  ColorSpace: { 1: "sRGB", 2: "Adobe RGB", 65535: "Uncalibrated" },
  ExposureProgram: {
    0: "Unidentified",
    1: "Manual",
    2: "Program Normal",
    3: "Aperture Priority",
    4: "Shutter Priority",
    5: "Program Creative",
    6: "Program Action",
    7: "Portrait Mode",
    8: "Landscape Mode",
  },
  MeteringMode: { 0: "Unidentified", 1: "Average", 2: "CenterWeightedAverage", 3: "Spot", 4: "MultiSpot", 5: "Pattern", 6: "Partial", 255: "other" },
};
// Byte strings exifread prints as text.
const TEXT_UNDEFINED = new Set(["ExifVersion", "FlashPixVersion", "InteroperabilityVersion"]);

const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8] as const;
const ASCII = 2;
const UNDEFINED = 7;
const MAX_ENTRIES = 1000;

/** The image's EXIF tags as img2dataset's JSON string; "{}" without EXIF, null if it cannot be read. */
export async function readExif(input: Buffer): Promise<string | null> {
  try {
    return exifJson((await sharp(input).metadata()).exif);
  } catch {
    return null;
  }
}

/** The exif column from a header's EXIF block: "{}" when there is none, null when it is unreadable. */
export function exifJson(exif: Buffer | undefined): string | null {
  if (!exif) return "{}";
  try {
    return JSON.stringify(parseExif(exif));
  } catch {
    return null;
  }
}

/** Parses an EXIF block ("Exif\0\0" + TIFF, or TIFF alone) into exifread-style name → printable. */
export function parseExif(block: Buffer): Record<string, string> {
  const tiff = block.subarray(0, 6).toString("latin1") === "Exif\0\0" ? block.subarray(6) : block;
  const order = tiff.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") throw new RangeError("not a TIFF header");
  const little = order === "II";
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const tags: Record<string, string> = {};
  const seen = new Set<number>();

  const readIfd = (offset: number, kind: IfdKind): number => {
    if (offset <= 0 || offset + 2 > tiff.length || seen.has(offset)) return 0;
    seen.add(offset); // a cycle of IFD offsets ends here
    const count = Math.min(u16(offset), MAX_ENTRIES);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      if (entry + 12 > tiff.length) break;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const n = u32(entry + 4);
      const size = TYPE_SIZES[type as 1];
      if (!size || tag === MAKER_NOTE) continue;
      const bytes = size * n;
      const at = bytes <= 4 ? entry + 8 : u32(entry + 8);
      if (at + bytes > tiff.length) continue;
      const name = TAGS[kind][tag] ?? `Tag 0x${tag.toString(16).toUpperCase().padStart(4, "0")}`;
      const values = readValues(tiff, at, type, n, little);
      tags[`${IFD_NAMES[kind]} ${name}`] = printable(name, type, values, tiff, at, n);
      if (kind === "ifd0" && tag === EXIF_POINTER) readIfd(u32(at), "exif");
      if (kind === "ifd0" && tag === GPS_POINTER) readIfd(u32(at), "gps");
      if (kind === "exif" && tag === INTEROP_POINTER) readIfd(u32(at), "interop");
    }
    const next = offset + 2 + count * 12;
    return next + 4 <= tiff.length ? u32(next) : 0;
  };
  const ifd1 = readIfd(u32(4), "ifd0");
  readIfd(ifd1, "ifd1");
  return tags;
}

type Value = number | { num: number; den: number };

function readValues(tiff: Buffer, at: number, type: number, n: number, little: boolean): Value[] {
  if (type === ASCII) return [];
  const values: Value[] = [];
  const limit = Math.min(n, 4096);
  for (let i = 0; i < limit; i++) {
    const p = at + i * TYPE_SIZES[type as 1];
    const read = (size: 1 | 2 | 4, signed: boolean, offset = 0): number =>
      size === 1
        ? signed
          ? tiff.readInt8(p)
          : tiff.readUInt8(p)
        : size === 2
          ? little
            ? signed
              ? tiff.readInt16LE(p)
              : tiff.readUInt16LE(p)
            : signed
              ? tiff.readInt16BE(p)
              : tiff.readUInt16BE(p)
          : little
            ? signed
              ? tiff.readInt32LE(p + offset)
              : tiff.readUInt32LE(p + offset)
            : signed
              ? tiff.readInt32BE(p + offset)
              : tiff.readUInt32BE(p + offset);
    switch (type) {
      case 1:
      case 7:
        values.push(read(1, false));
        break;
      case 6:
        values.push(read(1, true));
        break;
      case 3:
        values.push(read(2, false));
        break;
      case 8:
        values.push(read(2, true));
        break;
      case 4:
        values.push(read(4, false));
        break;
      case 9:
        values.push(read(4, true));
        break;
      case 5:
        values.push({ num: read(4, false), den: read(4, false, 4) });
        break;
      case 10:
        values.push({ num: read(4, true), den: read(4, true, 4) });
        break;
      case 11:
        values.push(little ? tiff.readFloatLE(p) : tiff.readFloatBE(p));
        break;
      case 12:
        values.push(little ? tiff.readDoubleLE(p) : tiff.readDoubleBE(p));
        break;
    }
  }
  return values;
}

function printable(name: string, type: number, values: Value[], tiff: Buffer, at: number, n: number): string {
  if (type === ASCII)
    return tiff
      .toString("latin1", at, at + n)
      .replace(/\0.*$/s, "")
      .trim();
  if (type === UNDEFINED && TEXT_UNDEFINED.has(name))
    return String.fromCharCode(...(values as number[]))
      .replace(/\0.*$/s, "")
      .trim();
  const float = type === 11 || type === 12;
  const text = values.map((value) => (float && Number.isInteger(value) ? `${value as number}.0` : valueText(value)));
  if (values.length === 1) {
    const single = values[0]!;
    return (typeof single === "number" ? ENUMS[name]?.[single] : undefined) ?? text[0]!;
  }
  // Python's str(list); exifread shortens long arrays the same way.
  return n > 50 && text.length > 20 ? `[${text.slice(0, 20).join(", ")}, ... ]` : `[${text.join(", ")}]`;
}

/** Python's str() of a number, and of exifread's Ratio (a reduced fraction, "n" when whole). */
function valueText(value: Value): string {
  if (typeof value === "number") return String(value);
  if (value.den === 0) return value.num === 0 ? "0" : `${value.num}/0`;
  const divisor = gcd(Math.abs(value.num), Math.abs(value.den));
  const sign = value.den < 0 ? -1 : 1;
  const num = (sign * value.num) / divisor;
  const den = Math.abs(value.den) / divisor;
  return den === 1 ? String(num) : `${num}/${den}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a || 1 : gcd(b, a % b);
}
