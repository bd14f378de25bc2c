// Node side of the tokenizer benchmark (benchmarks/ToolRL.Benchmarks TokenizerBenchmark runs it in the
// same run): encodes the texts of a JSON file (array of strings) with @lenml/tokenizers for about
// `seconds`, after one warm-up pass, and prints {bytes, tokens, passes, seconds} as JSON.
import fs from "node:fs";
import { loadTokenizer, encode } from "./common.mjs";

const [textsPath, tokenizerDir, secondsArg] = process.argv.slice(2);
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
const tokenizer = loadTokenizer(tokenizerDir);
const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t, "utf8"), 0);
const pass = () => texts.reduce((sum, t) => sum + encode(tokenizer, t).length, 0);

const coldStart = process.hrtime.bigint();
const tokens = pass();
const coldSeconds = Number(process.hrtime.bigint() - coldStart) / 1e9;
const budget = Number(secondsArg ?? 5);
let passes = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
  pass();
  passes++;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < budget);
console.log(JSON.stringify({ bytes, tokens, passes, seconds: elapsed, coldSeconds }));
