// Trains a 1,024-token BPE with `toolrl tokenizer train` on the rlla test split (prompt messages and
// ground truths, in file order), loads the saved tokenizer.json with @lenml/tokenizers (an independent
// Hugging Face-format loader) and encodes sample texts → Fixtures/tokenizer/trained_cases.json.
// Needs a Release build: dotnet build src/ToolRL.Cli -c Release.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import { repo, referenceData, loadTokenizer, encode, writeJson } from "./common.mjs";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "toolrl-trained-"));
const documents = [];
for (const line of fs.readFileSync(referenceData("data", "rlla", "test.jsonl"), "utf8").split("\n")) {
  if (!line.trim()) continue;
  const row = JSON.parse(line);
  for (const message of row.prompt) documents.push(message.content);
  documents.push(row.reward_model.ground_truth);
}
const corpus = path.join(work, "corpus.jsonl");
fs.writeFileSync(corpus, documents.map((text) => JSON.stringify({ text })).join("\n") + "\n");
const cli = path.join(repo, "src", "ToolRL.Cli", "bin", "Release", "net10.0", "ToolRL.Cli.dll");
const out = path.join(work, "trained");
execFileSync("dotnet", [cli, "tokenizer", "train", "--corpus", corpus, "--vocab-size", "1024", "--output", out], { stdio: "inherit" });

const tokenizer = loadTokenizer(out);
const texts = [
  ...documents.slice(0, 12),
  "<|im_start|>user\nWhat's the weather in Paris?<|im_end|>\n<|im_start|>assistant\n<think> call the tool </think>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>",
  "unseen: 東京 😀 𝐀 1234 \r\n\t  end",
];
writeJson("trained_cases.json", {
  source: "tools/tokenizer/gen-trained-fixtures.mjs: toolrl tokenizer train --vocab-size 1024 on the rlla test split, encoded by @lenml/tokenizers",
  tokenizer_json_sha256: crypto.createHash("sha256").update(fs.readFileSync(path.join(out, "tokenizer.json"))).digest("hex"),
  cases: texts.map((text, index) => index < 12 ? { document: index, ids: encode(tokenizer, text) } : { text, ids: encode(tokenizer, text) }),
}, "cases");
fs.rmSync(work, { recursive: true, force: true });
