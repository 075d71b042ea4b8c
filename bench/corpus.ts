// The image corpora: "demo" is demoRows with no failure routes (img2dataset's photo-like size and
// format mix, up to 4000 px); "photo" is issue #11's photo-like profile (JPEG q90 300 px to 1080p,
// some PNG, 10 % 404s and 1 % slow answers).
import { demoRows, photoLikeRows, type DemoRow } from "@laion-dl/testing";

export type CorpusKind = "demo" | "photo";

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
  /** Manifest rows that answer without an image (404s), and rows that answer late; absent when none. */
  failures?: { rows: number; notFound: number; slow: number };
}

/** A corpus as the bench's child processes rebuild it (ceiling-child.ts, leanest-child.ts). */
export interface CorpusSettings {
  kind: CorpusKind;
  baseUrl: string;
  rows: number;
  seed: number;
  /** Job options beyond the bench's own (the transform's, e.g. image_size). */
  jobExtra: Readonly<Record<string, string>>;
  /** The extra environment of the runs compared with it (LAION_DL_ALLOCATOR, MALLOC_ARENA_MAX, ...). */
  extraEnv: Readonly<Record<string, string>>;
}

/** The environment a child process reads the corpus and the job's options from. */
export function corpusEnv(corpus: CorpusSettings): Record<string, string> {
  return {
    ...corpus.extraEnv,
    BENCH_CORPUS: corpus.kind,
    BENCH_BASE_URL: corpus.baseUrl,
    BENCH_ROWS: String(corpus.rows),
    BENCH_SEED: String(corpus.seed),
    BENCH_JOB_EXTRA: JSON.stringify(corpus.jobExtra),
  };
}

export function corpusRows(kind: CorpusKind, baseUrl: string, rows: number, seed: number): DemoRow[] {
  return kind === "demo" ? demoRows(baseUrl, rows, { seed, failureRate: 0 }) : photoLikeRows(baseUrl, rows, { seed });
}

const IMAGE_URL = /(\/img\/(photo|alpha|gray)\/\d+\/(\d+)x(\d+)(?:\.q\d+)?\.(jpg|png|webp))$/;

/** The rows that answer with an image (what the ceiling transforms). */
export function imageRows(rows: readonly DemoRow[]): DemoRow[] {
  return rows.filter((row) => IMAGE_URL.test(row.url));
}

/** The image's own URL behind any delaying route (/slow/1000/img/… → /img/…): what warming fetches. */
export function plainImageUrl(baseUrl: string, url: string): string {
  const match = IMAGE_URL.exec(url);
  if (!match) throw new Error(`Expected an image URL but received ${url}`);
  return `${baseUrl}${match[1]}`;
}

/** What the corpus holds, read back from its URLs (the fixture server's paths name the image). */
export function corpusMix(allRows: readonly DemoRow[]): CorpusMix {
  const rows = imageRows(allRows);
  const formats: Record<string, number> = {};
  let small = 0;
  let medium = 0;
  let large = 0;
  let alpha = 0;
  for (const { url } of rows) {
    const match = IMAGE_URL.exec(url);
    if (!match) throw new Error(`Expected an image URL in the corpus but received ${url}`);
    const long = Math.max(Number(match[3]), Number(match[4]));
    if (long <= 500) small++;
    else if (long < 1600) medium++;
    else large++;
    if (match[2] === "alpha") alpha++;
    formats[match[5]!] = (formats[match[5]!] ?? 0) + 1;
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
    ...(rows.length === allRows.length
      ? {}
      : {
          failures: {
            rows: allRows.length,
            notFound: allRows.filter((row) => /\/status\/404/.test(row.url)).length / allRows.length,
            slow: allRows.filter((row) => /\/slow\//.test(row.url)).length / allRows.length,
          },
        }),
  };
}
