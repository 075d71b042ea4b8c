// The image corpus: demoRows with no failure routes (img2dataset's photo-like size and format mix).
import { demoRows, type DemoRow } from "@laion-dl/testing";

export interface CorpusMix {
  rows: number;
  /** Share of images by long side: <= 500 px, 501-1599 px, >= 1600 px. */
  small: number;
  medium: number;
  large: number;
  /** Share by format, e.g. { jpg: 0.8, png: 0.1, webp: 0.1 }, and of images with an alpha channel. */
  formats: Record<string, number>;
  alpha: number;
  /** Encoded bytes served for the whole corpus (filled in once warmed). */
  bytes: number;
}

export function corpusRows(baseUrl: string, rows: number, seed: number): DemoRow[] {
  return demoRows(baseUrl, rows, { seed, failureRate: 0 });
}

const IMAGE_URL = /\/img\/(photo|alpha|gray)\/\d+\/(\d+)x(\d+)\.(jpg|png|webp)$/;

/** What the corpus holds, read back from its URLs (the fixture server's paths name the image). */
export function corpusMix(rows: readonly DemoRow[]): CorpusMix {
  const formats: Record<string, number> = {};
  let small = 0;
  let medium = 0;
  let large = 0;
  let alpha = 0;
  for (const { url } of rows) {
    const match = IMAGE_URL.exec(url);
    if (!match) throw new Error(`Expected an image URL in the corpus but received ${url}`);
    const long = Math.max(Number(match[2]), Number(match[3]));
    if (long <= 500) small++;
    else if (long < 1600) medium++;
    else large++;
    if (match[1] === "alpha") alpha++;
    formats[match[4]!] = (formats[match[4]!] ?? 0) + 1;
  }
  const share = (n: number) => n / rows.length;
  return {
    rows: rows.length,
    small: share(small),
    medium: share(medium),
    large: share(large),
    formats: Object.fromEntries(Object.entries(formats).map(([format, n]) => [format, share(n)])),
    alpha: share(alpha),
    bytes: 0,
  };
}
