// Encodes every prompt message, ground truth and rendered chat prompt of the rlla data (TOOLRL_REFERENCE_DATA) with
// @lenml/tokenizers and @huggingface/jinja → Fixtures/tokenizer/rlla_hashes.json. Only (file, line,
// field, token count, sha256 of the comma-joined ids) is stored: no copy of the data.
import fs from "node:fs";
import crypto from "node:crypto";
import { Template } from "@huggingface/jinja";
import { referenceData, chatTemplatePath, qwenDir, loadTokenizer, encode, writeJson } from "./common.mjs";

const tokenizer = loadTokenizer(qwenDir);
const template = new Template(fs.readFileSync(chatTemplatePath(), "utf8"));
const hash = (text) => crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
const idsHash = (ids) => hash(ids.join(","));

const entries = [];
for (const file of ["test.jsonl", "rlla_sft_rlformat.jsonl"]) {
  const lines = fs.readFileSync(referenceData("data", "rlla", file), "utf8").split("\n");
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    const row = JSON.parse(line);
    const add = (field, text) => {
      const ids = encode(tokenizer, text);
      entries.push({ file, line: index + 1, field, count: ids.length, ids: idsHash(ids) });
    };
    row.prompt.forEach((message, i) => add(`prompt[${i}].content`, message.content));
    add("reward_model.ground_truth", row.reward_model.ground_truth);
    const rendered = template.render({ messages: row.prompt, add_generation_prompt: true });
    const ids = encode(tokenizer, rendered);
    entries.push({ file, line: index + 1, field: "chat", count: ids.length, ids: idsHash(ids), text: hash(rendered) });
  });
}
writeJson("rlla_hashes.json", {
  source: "tools/tokenizer/gen-rlla-fixtures.mjs: @lenml/tokenizers + @huggingface/jinja over the rlla data; ids = sha256(ids.join(','))[0:16], text = sha256(utf8 text)[0:16]",
  entries,
}, "entries");
