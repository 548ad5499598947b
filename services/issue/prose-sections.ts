/**
 * Sections 二, 三 and 四 of the issue are prose the centre's staff write, one Markdown file per
 * section in the month's folder: `2.md` (or any `.md` whose name starts with `2` or `二`, such as
 * `二-政务工作动态.md`). Paragraphs are separated by blank lines; a line starting with `- `, `* ` or
 * `1. ` is a paragraph of its own (the list marker dropped); `#` lines are sub-headings; `**` is dropped.
 * A missing file is an empty section with a note, never an error.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PROSE_SECTIONS = [
  { number: 2, numeral: '二', heading: '政务工作动态' },
  { number: 3, numeral: '三', heading: '重点工作推进情况' },
  { number: 4, numeral: '四', heading: '窗口资讯' },
] as const;

export type ProseBlock = { kind: 'paragraph' | 'subheading'; text: string };

export interface ProseSection {
  numeral: string;
  heading: string;
  /** The file it came from, or null when there is none (then blocks is empty). */
  file: string | null;
  blocks: ProseBlock[];
}

export const MISSING_PROSE_NOTE = '(本期暂无内容)';

export function parseProse(markdown: string): ProseBlock[] {
  const blocks: ProseBlock[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join('') });
    paragraph = [];
  };
  for (const raw of markdown.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim().replace(/\*\*/g, '');
    if (line === '') flush();
    else if (line.startsWith('#')) {
      flush();
      blocks.push({ kind: 'subheading', text: line.replace(/^#+\s*/, '') });
    } else if (/^([-*]|\d+\.)\s+/.test(line)) {
      flush();
      paragraph.push(line.replace(/^([-*]|\d+\.)\s+/, ''));
    } else paragraph.push(line);
  }
  flush();
  return blocks;
}

export function readProseSections(folder: string): ProseSection[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder).filter((n) => n.endsWith('.md')).sort();
  } catch {
    // no folder yet: every section is empty
  }
  return PROSE_SECTIONS.map((s) => {
    const name = names.find((n) => n.startsWith(String(s.number)) || n.startsWith(s.numeral));
    if (!name) return { numeral: s.numeral, heading: s.heading, file: null, blocks: [] };
    const file = path.join(folder, name);
    return { numeral: s.numeral, heading: s.heading, file, blocks: parseProse(fs.readFileSync(file, 'utf8')) };
  });
}
