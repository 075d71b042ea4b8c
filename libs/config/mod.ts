export {
  DOWNLOAD_OPTION_SPECS,
  ENCODE_FORMATS,
  HASH_ALGORITHMS,
  IGNORED_OPTIONS,
  OptionError,
  parseDownloadOptions,
  RESIZE_MODES,
  type DownloadOptions,
  type EncodeFormat,
  type HashAlgorithm,
  type OptionSpec,
  type ResizeMode,
} from "./download-options.ts";
