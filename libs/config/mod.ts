export {
  DOWNLOAD_OPTION_SPECS,
  ENCODE_FORMATS,
  HASH_ALGORITHMS,
  IGNORED_OPTIONS,
  OptionError,
  parseDownloadOptions,
  parseOptions,
  RESIZE_MODES,
  type DownloadOptions,
  type EncodeFormat,
  type HashAlgorithm,
  type OptionKind,
  type OptionSpec,
  type ResizeMode,
} from "./download-options.ts";
export { envName, readServiceConfig } from "./service-config.ts";
