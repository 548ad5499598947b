import { z } from 'zod';

export const FILE_ENCODINGS = ['auto', 'utf-8', 'gb18030', 'gbk'] as const;

export const fileDropSpec = z
  .object({
    type: z.literal('file-drop'),
    inbox: z
      .string()
      .min(1)
      .describe('folder the department drops its exports into (relative paths from the working directory); done/ and failed/ are made inside it. Write a file elsewhere and rename it in, so a half-written file is never read')
      .meta({ examples: ['/srv/casepipe/inbox/YBJ', '.data/inbox/YBJ'] }),
    format: z.enum(['csv', 'xlsx', 'jsonl']).optional().describe('file format; default: from the extension (.csv, .xlsx, .jsonl/.json)'),
    encoding: z
      .enum(FILE_ENCODINGS)
      .default('auto')
      .describe('text encoding of CSV and JSONL files. auto: UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030, and the choice is reported. A UTF-8 BOM always wins over a declared encoding')
      .meta({ examples: ['gb18030'] }),
    delimiter: z.string().length(1).default(',').describe('CSV field delimiter'),
    sheet: z.string().optional().describe('XLSX worksheet name; default: the first sheet'),
    batchSize: z.number().int().min(1).max(10000).default(500).describe('rows per batch: published together, then checkpointed'),
    pollSeconds: z.number().positive().default(10).describe('how often the inbox is looked at besides file-system notifications'),
  })
  .strict()
  .describe('file-drop: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), XLSX or JSONL exports dropped into an inbox folder; each file is read once (by content hash), then moved to done/ or failed/');
export type FileDropSettings = z.infer<typeof fileDropSpec>;
