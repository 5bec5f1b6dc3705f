import { z } from 'zod';

/** One clip in a DeepfakeBench index. */
export const VideoEntrySchema = z
  .object({
    /** The label name (a key of the config's label_dict), equal to the enclosing label key. */
    label: z.string().min(1),
    /** Frame paths relative to the output root. */
    frames: z.array(z.string().min(1)).min(1),
  })
  .strict();

const VideosSchema = z.record(z.string().min(1), VideoEntrySchema);
const CompressionSchema = z.partialRecord(z.enum(['c23', 'c40', 'raw']), VideosSchema);

/**
 * DeepfakeBench's dataset JSON: `{Dataset: {Label: {train|val|test: {[c23|c40|raw]: {video: {label, frames}}}}}}`
 * (the compression level is optional: FF++ has it, Celeb-DF-style datasets do not).
 */
export const DeepfakeBenchIndexSchema = z.record(
  z.string().min(1),
  z.record(
    z.string().min(1),
    z.partialRecord(z.enum(['train', 'val', 'test']), z.union([CompressionSchema, VideosSchema])),
  ),
);

/** A parsed DeepfakeBench index. */
export type DeepfakeBenchIndex = z.infer<typeof DeepfakeBenchIndexSchema>;

/** The index failed a check: `path` locates the offending entry (file, then keys). */
export class IndexSchemaError extends Error {
  override readonly name = 'IndexSchemaError';
  constructor(
    readonly file: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${file}: ${path}: ${detail}`);
  }
}

function isVideoMap(v: unknown): v is Record<string, { label: string; frames: string[] }> {
  return Object.values(v as object).every((e) => e !== null && typeof e === 'object' && 'frames' in e);
}

/**
 * Validates an index beyond its shape: labels match their keys, video ids are unique across labels, frame paths
 * are relative, stay inside the root, and end in an image extension. Returns the parsed index.
 */
export function validateIndex(raw: unknown, file = 'index'): DeepfakeBenchIndex {
  const r = DeepfakeBenchIndexSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new IndexSchemaError(file, issue.path.map(String).join('.') || '(root)', issue.message);
  }
  const seen = new Map<string, string>();
  for (const [dataset, labels] of Object.entries(r.data)) {
    for (const [label, splits] of Object.entries(labels)) {
      for (const [split, inner] of Object.entries(splits)) {
        const groups: [string, Record<string, { label: string; frames: string[] }>][] = isVideoMap(inner)
          ? [[`${dataset}.${label}.${split}`, inner]]
          : Object.entries(inner as Record<string, Record<string, { label: string; frames: string[] }>>).map(
              ([c, videos]) => [`${dataset}.${label}.${split}.${c}`, videos],
            );
        for (const [where, videos] of groups) {
          for (const [video, entry] of Object.entries(videos)) {
            const at = `${where}.${video}`;
            if (entry.label !== label)
              throw new IndexSchemaError(file, `${at}.label`, `is ${entry.label}, expected ${label}`);
            const prev = seen.get(video);
            if (prev !== undefined) throw new IndexSchemaError(file, at, `video id also used at ${prev}`);
            seen.set(video, at);
            entry.frames.forEach((f, i) => {
              if (f.startsWith('/') || /^[A-Za-z]:/.test(f) || f.split('/').includes('..'))
                throw new IndexSchemaError(
                  file,
                  `${at}.frames[${i}]`,
                  `path ${f} is not relative to the root`,
                );
              if (!/\.(png|jpg|jpeg)$/i.test(f))
                throw new IndexSchemaError(file, `${at}.frames[${i}]`, `path ${f} is not an image`);
            });
          }
        }
      }
    }
  }
  return r.data;
}

/** The landmark file of one frame: 68 [x, y] pairs. */
export const LandmarksSchema = z.array(z.tuple([z.number(), z.number()])).length(68);
