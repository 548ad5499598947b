/**
 * `casepipe query` without SQL: a prompt for analysts (Debian has no `duckdb` command). A statement
 * ends with `;` and may span lines; `.tables`, `.schema [table]`, `.help` and `.quit` are commands.
 * Every statement runs through the same read-only query as the one-shot form. Statements are kept
 * in a history file (arrow keys recall them in a terminal, across sessions).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Writable } from 'node:stream';

export interface PromptOptions {
  /** Runs one statement on the chosen snapshot(s), writing its rows to `out` in the chosen format. */
  run(sql: string, out: Writable): Promise<void>;
  /** Shown once at the start: which months are open. */
  banner: string;
  historyFile: string;
  input?: NodeJS.ReadableStream;
  output?: Writable;
}

const HISTORY_SIZE = 500;
const HELP = [
  'End a statement with ; (it may span lines).',
  '.tables            the tables and views',
  '.schema [table]    columns and types (of one table, or of all)',
  '.quit              leave (or Ctrl-D)',
].join('\n');

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

function readHistory(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

export async function runQueryPrompt(opts: PromptOptions): Promise<void> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const terminal = (output as NodeJS.WriteStream).isTTY === true && (input as NodeJS.ReadStream).isTTY === true;
  const rl = readline.createInterface({ input, output, terminal, history: readHistory(opts.historyFile), historySize: HISTORY_SIZE, prompt: 'casepipe> ' });
  const say = (text: string) => output.write(`${text}\n`);
  const remember = (line: string) => {
    try {
      fs.appendFileSync(opts.historyFile, `${line.replace(/\s*\n\s*/g, ' ')}\n`);
    } catch {
      // history is a convenience; a read-only home must not stop the session
    }
  };
  const show = async (sql: string) => {
    try {
      await opts.run(sql, output);
    } catch (err) {
      say(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  say(opts.banner);
  say('Type .help for the commands; end SQL with ;');
  let buffer = '';
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (buffer === '' && trimmed.startsWith('.')) {
      remember(trimmed);
      const [command, arg] = trimmed.split(/\s+/);
      if (command === '.quit' || command === '.exit') break;
      else if (command === '.help') say(HELP);
      else if (command === '.tables') await show(`SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_catalog = current_database() ORDER BY name`);
      else if (command === '.schema')
        await show(
          `SELECT table_name AS "table", column_name AS "column", data_type AS type FROM information_schema.columns
           WHERE table_catalog = current_database()${arg ? ` AND table_name = ${sqlString(arg)}` : ''} ORDER BY "table", ordinal_position`,
        );
      else say(`unknown command ${command}; .help lists them`);
    } else if (trimmed !== '') {
      buffer += `${buffer ? '\n' : ''}${line}`;
      if (trimmed.endsWith(';')) {
        const sql = buffer;
        buffer = '';
        remember(sql);
        await show(sql);
      }
    }
    rl.setPrompt(buffer ? '     ...> ' : 'casepipe> ');
    rl.prompt();
  }
  rl.close();
}
