// Reads a parquet file with DuckDB (an independent C++ reader) and prints one JSON object on stdout:
// { "schema": [[column, DuckDB type], ...], "rows": [row objects] }. ParquetWriteTests compares what
// ToolRL.NET writes against this. Usage: node read_parquet.mjs FILE.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node read_parquet.mjs FILE.parquet');
  process.exit(2);
}
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const source = `read_parquet('${file.replaceAll("'", "''")}')`;
const schema = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson()
  .map((c) => [c.column_name, c.column_type]);
const rows = (await connection.runAndReadAll(`SELECT * FROM ${source}`)).getRowObjectsJson();
process.stdout.write(JSON.stringify({ schema, rows }));
