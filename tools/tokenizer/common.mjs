// Shared helpers of the tokenizer fixture scripts: where things are, and the reference tokenizer.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TokenizerLoader } from "@lenml/tokenizers";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "..", "..");
export const fixtures = path.join(repo, "tests", "ToolRL.Tests", "Fixtures", "tokenizer");
/** The Qwen2.5 tokenizer the repository carries (tools/tokenizer/derive_qwen25_tokenizer.py). */
export const qwenDir = path.join(fixtures, "qwen2.5");

/** A path inside the external reference data (rlla files, the Qwen2.5 chat template) named by TOOLRL_REFERENCE_DATA. */
export function referenceData(...parts) {
  const root = process.env.TOOLRL_REFERENCE_DATA;
  if (!root) {
    throw new Error(`this generator reads external data: set TOOLRL_REFERENCE_DATA to the folder that holds ${path.join(...parts)} (see data/README.md)`);
  }
  return path.join(root, ...parts);
}

/** The Qwen2.5 chat_template.jinja as published with the model (external data). */
export const chatTemplatePath = () => referenceData("models", "qwen2.5-tokenizer", "chat_template.jinja");

/** Loads a tokenizer folder (tokenizer.json + optional tokenizer_config.json) with @lenml/tokenizers. */
export function loadTokenizer(dir) {
  const config = path.join(dir, "tokenizer_config.json");
  return TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
    tokenizerConfig: fs.existsSync(config) ? JSON.parse(fs.readFileSync(config, "utf8")) : {},
  });
}

/** Ids without BOS/EOS handling (Qwen adds none anyway). */
export const encode = (tokenizer, text) => tokenizer.encode(text, { add_special_tokens: false });

/** A deterministic PRNG (mulberry32) so fuzz inputs are reproducible. */
export function prng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes {source, <listName>: [...]} with one list item per line (compact, diff-friendly). */
export function writeJson(name, value, listName) {
  fs.mkdirSync(fixtures, { recursive: true });
  const { [listName]: items, ...head } = value;
  const headText = JSON.stringify(head).slice(0, -1);
  const body = items.map((item) => JSON.stringify(item)).join(",\n");
  fs.writeFileSync(path.join(fixtures, name), `${headText}, "${listName}": [\n${body}\n]}\n`);
  console.log(`wrote ${name}`);
}
