// Writes the parquet fixtures of tests/ToolRL.Tests/Data/ParquetFixtureTests.cs with two independent writers,
// DuckDB (C++) and parquet-wasm (Rust parquet-rs via apache-arrow), one file per codec and page version, from
// rows generated here (never from third-party data). Also writes rows.expected.jsonl: the rows as the reader
// must return them. Rerun: cd tools/data && npm ci && node make_parquet_fixtures.mjs
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression, WriterVersion, Encoding } from 'parquet-wasm';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'tests', 'ToolRL.Tests', 'Fixtures', 'data', 'parquet');
mkdirSync(out, { recursive: true });

// ---- deterministic rows (mulberry32) -------------------------------------------------------------
let state = 20251122;
const rand = () => { state |= 0; state = (state + 0x6D2B79F5) | 0; let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const words = ['alpha', 'beta', 'gamma', 'tool_call', 'weather', 'Zürich', 'naïve café', '東京', 'emoji 🙂', '', 'quote "x"', 'line\nbreak'];
const roles = ['system', 'user', 'assistant', 'tool'];
const ROWS = 60;

const rows = [];
for (let i = 0; i < ROWS; i++) {
  const ms = Date.UTC(2020 + int(0, 5), int(0, 11), int(1, 28), int(0, 23), int(0, 59), int(0, 59)) + (i % 3 === 0 ? 0 : int(1, 999));
  const bytes = Array.from({ length: int(0, 6) }, () => int(0, 255));
  rows.push({
    id: BigInt(i * 1_000_003 - 17),
    small: i % 7 === 3 ? null : int(-100000, 100000),
    name: i % 5 === 4 ? null : `${pick(words)} ${i}`,
    score: i % 6 === 5 ? null : Math.round((rand() - 0.5) * 2e6) / 1000,
    ratio: int(-40, 40) / 4,
    flag: i % 4 === 2 ? null : rand() < 0.5,
    day: Date.UTC(1990 + int(0, 40), int(0, 11), int(1, 28)),
    ts: ms,
    amount: BigInt(int(-9999999, 9999999)),            // DECIMAL(9,2) unscaled
    big: BigInt(int(-1e9, 1e9)) * 100000n + BigInt(int(0, 99999)), // DECIMAL(20,4) unscaled
    tags: i % 8 === 7 ? null : Array.from({ length: int(0, 4) }, () => (rand() < 0.15 ? null : pick(words))),
    messages: Array.from({ length: int(1, 3) }, (_, k) => ({ role: roles[(k + i) % 4], content: `${pick(words)} #${k}` })),
    meta: i % 9 === 8 ? null : { source: pick(['rlla', 'synthetic', 'xlam']), index: BigInt(i), inner: { a: i % 3 === 1 ? null : int(-5, 5), b: Array.from({ length: int(0, 3) }, () => BigInt(int(-1e6, 1e6))) } },
    attrs: Array.from({ length: int(0, 3) }, (_, k) => ({ key: `k${k}_${int(0, 9)}`, value: rand() < 0.2 ? null : int(-50, 50) })),
    blob: Uint8Array.from(bytes),
  });
}

// ---- the rows as the reader returns them -----------------------------------------------------------
const decimal = (unscaled, scale) => { const neg = unscaled < 0n; let s = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  s = s.slice(0, s.length - scale) + '.' + s.slice(s.length - scale); return (neg ? '-' : '') + s; };
const isoNoZone = (ms) => new Date(ms).toISOString().replace('Z', '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
const expected = rows.map((r) => ({
  id: Number(r.id), small: r.small, name: r.name, score: r.score, ratio: r.ratio, flag: r.flag,
  day: new Date(r.day).toISOString().slice(0, 10), ts: isoNoZone(r.ts),
  amount: Number(decimal(r.amount, 2)), big: decimal(r.big, 4), tags: r.tags, messages: r.messages,
  meta: r.meta === null ? null : { source: r.meta.source, index: Number(r.meta.index), inner: { a: r.meta.inner.a, b: r.meta.inner.b.map(Number) } },
  attrs: Object.fromEntries(r.attrs.map((e) => [e.key, e.value])), blob: Buffer.from(r.blob).toString('base64'),
}));
// JSON has no exact decimals: DECIMAL(20,4) is written as a number text so the test compares it by value.
writeFileSync(join(out, 'rows.expected.jsonl'), expected.map((e) => JSON.stringify(e).replace(/"big":"(-?[0-9.]+)"/, '"big":$1')).join('\n') + '\n');

// ---- DuckDB ----------------------------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'toolrl-fixtures-'));
const jsonRows = rows.map((r) => ({ ...r, id: r.id.toString(), day: new Date(r.day).toISOString().slice(0, 10),
  ts: new Date(r.ts).toISOString().replace('T', ' ').replace('Z', ''), amount: decimal(r.amount, 2), big: decimal(r.big, 4),
  meta: r.meta === null ? null : { ...r.meta, index: r.meta.index.toString(), inner: { a: r.meta.inner.a, b: r.meta.inner.b.map(String) } },
  blob: Buffer.from(r.blob).toString('base64') }));
writeFileSync(join(scratch, 'rows.json'), JSON.stringify(jsonRows));
const duck = await (await DuckDBInstance.create(':memory:')).connect();
await duck.run(`CREATE TABLE raw AS SELECT * FROM read_json('${join(scratch, 'rows.json')}', format='array', columns={
  id: 'BIGINT', small: 'INTEGER', name: 'VARCHAR', score: 'DOUBLE', ratio: 'FLOAT', flag: 'BOOLEAN', day: 'DATE', ts: 'TIMESTAMP',
  amount: 'DECIMAL(9,2)', big: 'DECIMAL(20,4)', tags: 'VARCHAR[]', messages: 'STRUCT(role VARCHAR, content VARCHAR)[]',
  meta: 'STRUCT(source VARCHAR, "index" BIGINT, "inner" STRUCT(a INTEGER, b BIGINT[]))', attrs: 'STRUCT("key" VARCHAR, "value" INTEGER)[]', blob: 'VARCHAR'})`);
await duck.run(`CREATE TABLE t AS SELECT id, small, name, score, ratio, flag, day, ts, amount, big, tags, messages, meta,
  map_from_entries(attrs) AS attrs, from_base64(blob) AS blob FROM raw`);
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
  for (const version of ['v1', 'v2']) {
    await duck.run(`COPY t TO '${join(out, `duckdb-${codec}-${version}.parquet`)}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version.toUpperCase()}, ROW_GROUP_SIZE 25)`);
  }
}

// ---- parquet-wasm (parquet-rs) ----------------------------------------------------------------------
const f = (name, type, nullable = true) => new arrow.Field(name, type, nullable);
const decimalData = (values, scale, precision) => { const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => { let x = BigInt.asUintN(128, v); for (let k = 0; k < 4; k++) { words[i * 4 + k] = Number(x & 0xffffffffn); x >>= 32n; } });
  return arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(scale, precision, 128), length: values.length, data: words })); };
const innerType = new arrow.Struct([f('a', new arrow.Int32()), f('b', new arrow.List(f('item', new arrow.Int64())))]);
const columns = {
  id: arrow.vectorFromArray(rows.map((r) => r.id), new arrow.Int64()),
  small: arrow.vectorFromArray(rows.map((r) => r.small), new arrow.Int32()),
  name: arrow.vectorFromArray(rows.map((r) => r.name), new arrow.Utf8()),
  score: arrow.vectorFromArray(rows.map((r) => r.score), new arrow.Float64()),
  ratio: arrow.vectorFromArray(rows.map((r) => r.ratio), new arrow.Float32()),
  flag: arrow.vectorFromArray(rows.map((r) => r.flag), new arrow.Bool()),
  day: arrow.vectorFromArray(rows.map((r) => new Date(r.day)), new arrow.DateDay()),
  ts: arrow.vectorFromArray(rows.map((r) => r.ts), new arrow.TimestampMillisecond()),
  amount: decimalData(rows.map((r) => r.amount), 2, 9),
  big: decimalData(rows.map((r) => r.big), 4, 20),
  tags: arrow.vectorFromArray(rows.map((r) => r.tags), new arrow.List(f('item', new arrow.Utf8()))),
  messages: arrow.vectorFromArray(rows.map((r) => r.messages), new arrow.List(f('item', new arrow.Struct([f('role', new arrow.Utf8()), f('content', new arrow.Utf8())])))),
  meta: arrow.vectorFromArray(rows.map((r) => r.meta), new arrow.Struct([f('source', new arrow.Utf8()), f('index', new arrow.Int64()), f('inner', innerType)])),
  attrs: arrow.vectorFromArray(rows.map((r) => new Map(r.attrs.map((e) => [e.key, e.value]))),
    new arrow.Map_(f('entries', new arrow.Struct([f('key', new arrow.Utf8(), false), f('value', new arrow.Int32())]), false))),
  blob: arrow.vectorFromArray(rows.map((r) => r.blob), new arrow.Binary()),
};
const ipc = arrow.tableToIPC(new arrow.Table(columns), 'stream');
const wasmWrite = (name, configure) => {
  const props = configure(new WriterPropertiesBuilder().setMaxRowGroupSize(25)).build();
  writeFileSync(join(out, name), writeParquet(WasmTable.fromIPCStream(ipc), props));
};
const codecs = { uncompressed: Compression.UNCOMPRESSED, snappy: Compression.SNAPPY, gzip: Compression.GZIP, zstd: Compression.ZSTD, brotli: Compression.BROTLI, lz4raw: Compression.LZ4_RAW };
for (const [codec, value] of Object.entries(codecs)) {
  for (const [version, writerVersion] of [['v1', WriterVersion.V1], ['v2', WriterVersion.V2]]) {
    wasmWrite(`parquetrs-${codec}-${version}.parquet`, (b) => b.setCompression(value).setWriterVersion(writerVersion));
  }
}
// Delta and byte-stream-split encodings, no dictionary, small pages (several pages per chunk).
wasmWrite('parquetrs-delta-v2.parquet', (b) => b.setCompression(Compression.SNAPPY).setWriterVersion(WriterVersion.V2)
  .setDictionaryEnabled(false).setDataPageSizeLimit(256)
  .setColumnEncoding('id', Encoding.DELTA_BINARY_PACKED).setColumnEncoding('small', Encoding.DELTA_BINARY_PACKED)
  .setColumnEncoding('name', Encoding.DELTA_BYTE_ARRAY).setColumnEncoding('tags.list.item', Encoding.DELTA_LENGTH_BYTE_ARRAY)
  .setColumnEncoding('score', Encoding.BYTE_STREAM_SPLIT).setColumnEncoding('ratio', Encoding.BYTE_STREAM_SPLIT));
// The deprecated Hadoop-framed LZ4 codec, which the reader refuses by name.
wasmWrite('parquetrs-lz4hadoop-v1.parquet', (b) => b.setCompression(Compression.LZ4));
rmSync(scratch, { recursive: true });
console.log(`wrote fixtures to ${out}`);
