// Original file: ../../proto/laion_dl/v1/ingest.proto


export interface SubmitJobRequest {
  /**
   * Path of the manifest (txt, csv, tsv, json or jsonl, optionally .gz) as seen by the ingest
   * service; JSON content is detected whatever the extension says.
   */
  'manifest_path'?: (string);
  /**
   * Download options as a JSON object with img2dataset's names and values, for example
   * {"image_size": 224, "resize_mode": "border", "output_folder": "/data/laion"}.
   * Unknown names are INVALID_ARGUMENT.
   */
  'options_json'?: (string);
}

export interface SubmitJobRequest__Output {
  /**
   * Path of the manifest (txt, csv, tsv, json or jsonl, optionally .gz) as seen by the ingest
   * service; JSON content is detected whatever the extension says.
   */
  'manifest_path': (string);
  /**
   * Download options as a JSON object with img2dataset's names and values, for example
   * {"image_size": 224, "resize_mode": "border", "output_folder": "/data/laion"}.
   * Unknown names are INVALID_ARGUMENT.
   */
  'options_json': (string);
}
