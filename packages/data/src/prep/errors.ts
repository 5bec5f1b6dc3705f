/** What went wrong while preprocessing. */
export type PrepErrorCode =
  | 'invalid-input' // the input folder does not have the expected layout, or two sources map to one output
  | 'invalid-option' // an option out of range
  | 'face-api-missing' // @vladmandic/face-api (or the tfjs packages it loads) is not installed
  | 'ffmpeg-missing' // a video file was given and ffmpeg/ffprobe are not on PATH
  | 'ffmpeg-failed'; // ffmpeg/ffprobe ran and failed on a file

/** Typed error of the preprocessing step; `file` names the offending input when there is one. */
export class PrepError extends Error {
  override readonly name = 'PrepError';
  readonly code: PrepErrorCode;
  readonly file: string | undefined;

  constructor(code: PrepErrorCode, message: string, file?: string) {
    super(message);
    this.code = code;
    this.file = file;
  }
}
