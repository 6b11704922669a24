// DuckDB peer: total match_count per ngram over Google Books Ngram v2 files (plain or .gz).
//
//   node count.mjs FILE... [--out TOTALS.tsv] [--word WORD] [--threads N]
//
// --out writes `ngram TAB total` rows (unordered); --word prints `WORD TAB total` (0 when absent).
// Both given means two queries, so time runs with only one of them.
import { availableParallelism } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';

function parseArgs(argv) {
  const options = { files: [], out: null, word: null, threads: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--out' || arg === '-o') options.out = value();
    else if (arg === '--word') options.word = value();
    else if (arg === '--threads') options.threads = Number.parseInt(value(), 10);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.files.push(arg);
  }
  if (options.files.length === 0) throw new Error('usage: node count.mjs FILE... [--out TOTALS.tsv] [--word WORD] [--threads N]');
  if (options.out === null && options.word === null) throw new Error('give --out, --word or both');
  return options;
}

const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;

const options = parseArgs(process.argv.slice(2));
// Every option is spelled out so DuckDB never sniffs: real ngrams contain quotes, and a sniffed
// dialect or type could differ between files.
const source = `read_csv([${options.files.map(sqlString).join(', ')}],
  delim = '\\t', quote = '', escape = '', header = false, auto_detect = false,
  columns = {'ngram': 'VARCHAR', 'year': 'INTEGER', 'match_count': 'BIGINT', 'volume_count': 'BIGINT'})`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads) });
const connection = await instance.connect();
try {
  if (options.out !== null) {
    // SUM of BIGINT is HUGEINT in DuckDB, so totals past 2^63 would still be exact.
    await connection.run(`COPY (SELECT ngram, SUM(match_count) AS total FROM ${source} GROUP BY ngram)
      TO ${sqlString(options.out)} (FORMAT csv, DELIMITER '\\t', HEADER false, QUOTE '', ESCAPE '')`);
  }
  if (options.word !== null) {
    const reader = await connection.runAndReadAll(
      `SELECT SUM(match_count)::VARCHAR AS total FROM ${source} WHERE ngram = $word`, { word: options.word });
    const total = reader.getRows()[0][0] ?? '0';
    process.stdout.write(`${options.word}\t${total}\n`);
  }
} finally {
  connection.closeSync();
  instance.closeSync();
}
