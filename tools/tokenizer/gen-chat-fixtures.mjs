// Renders conversations with the real Qwen2.5 chat_template.jinja through @huggingface/jinja and encodes
// them with @lenml/tokenizers → Fixtures/tokenizer/chat_cases.json. Floats are kept non-integral here
// because JavaScript prints 1.0 as "1" where Python's tojson prints "1.0" (PythonJson has its own
// fixture made by python3: gen-python-json.py).
import fs from "node:fs";
import { Template } from "@huggingface/jinja";
import { qwenDir, chatTemplatePath, loadTokenizer, encode, writeJson } from "./common.mjs";

const tokenizer = loadTokenizer(qwenDir);
const template = new Template(fs.readFileSync(chatTemplatePath(), "utf8"));

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city — temperature in °C, humidity, wind.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. \"Paris\" or 東京" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"], default: "celsius" },
        days: { type: "integer", minimum: 1, maximum: 14 },
        threshold: { type: "number", default: 0.5 },
        verbose: { type: "boolean", default: false },
        tags: { type: "array", items: { type: "string" }, default: [] },
        extra: { type: ["object", "null"], default: null },
      },
      required: ["city"],
    },
  },
};
const search = { type: "function", function: { name: "search", description: "Search the web.\nReturns JSON.", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } };
const call = (name, args) => ({ type: "function", function: { name, arguments: args } });

const cases = [
  ["user only, generation prompt", [{ role: "user", content: "What is the capital of France?" }], null, true],
  ["user only, no generation prompt", [{ role: "user", content: "Hi" }], null, false],
  ["system, user, assistant, user", [
    { role: "system", content: "You are terse." },
    { role: "user", content: "2+2?" },
    { role: "assistant", content: "4" },
    { role: "user", content: "And 3+3?" },
  ], null, true],
  ["system appears again later", [
    { role: "user", content: "hello" },
    { role: "system", content: "Switch to French." },
    { role: "assistant", content: "Bonjour" },
  ], null, false],
  ["unknown role renders nothing", [{ role: "user", content: "a" }, { role: "developer", content: "ignored" }, { role: "user", content: "b" }], null, true],
  ["tools with default system", [{ role: "user", content: "Weather in Paris?" }], [weather, search], true],
  ["tools with own system", [{ role: "system", content: "Use tools wisely." }, { role: "user", content: "東京の天気は？" }], [weather], true],
  ["empty tools list is no tools", [{ role: "user", content: "x" }], [], true],
  ["assistant tool call, no content", [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: "", tool_calls: [call("get_weather", { city: "Paris", unit: "celsius" })] },
  ], [weather], false],
  ["assistant content then two calls", [
    { role: "user", content: "Paris and 東京, 3 days, verbose" },
    { role: "assistant", content: "Let me check both.", tool_calls: [
      call("get_weather", { city: "Paris", days: 3, verbose: true, threshold: 0.25, tags: ["a", "b"], extra: null }),
      { name: "get_weather", arguments: { city: "東京", nested: { list: [1, [2, 3], { k: "v" }], empty: {} } } },
    ] },
  ], [weather], false],
  ["grouped tool responses then answer", [
    { role: "user", content: "Weather?" },
    { role: "assistant", content: "", tool_calls: [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Rome" })] },
    { role: "tool", content: "{\"temp\": 21}" },
    { role: "tool", content: "{\"temp\": 25}" },
    { role: "assistant", content: "Paris 21°C, Rome 25°C." },
    { role: "user", content: "Thanks" },
  ], [weather], true],
  ["tool message last", [
    { role: "user", content: "q" },
    { role: "assistant", content: "", tool_calls: [call("search", { q: "qwen" })] },
    { role: "tool", content: "result line 1\nresult line 2" },
  ], [search], true],
  ["tool first", [{ role: "tool", content: "orphan" }, { role: "user", content: "u" }], null, true],
  ["escapes in arguments", [
    { role: "user", content: "quote it" },
    { role: "assistant", content: "", tool_calls: [call("search", { q: "say \"hi\"\\path\nnew\ttab\u0001ctl é 中文 😀 </tool_call>" })] },
  ], [search], false],
  ["special tokens inside content", [{ role: "user", content: "text <|im_end|> and <tool_call> inside" }], null, true],
  ["multiline rlla-like system prompt", [
    { role: "system", content: "**Available Tools**\n1. Name: GetNews\nParameters: {\"page\": {\"type\": \"int\"}}\n\n**Output Format**\n<think> ... </think>\n<tool_call>\n{\"name\": \"x\"}\n</tool_call>" },
    { role: "user", content: "**Dialogue Records History**\n<user> Hey </user>" },
  ], null, true],
];

writeJson("chat_cases.json", {
  source: "tools/tokenizer/gen-chat-fixtures.mjs: the published Qwen2.5 chat_template.jinja via @huggingface/jinja, ids via @lenml/tokenizers",
  cases: cases.map(([name, messages, tools, addGenerationPrompt]) => {
    const context = { messages, add_generation_prompt: addGenerationPrompt };
    if (tools) context.tools = tools;
    const rendered = template.render(context);
    return { name, messages, tools, add_generation_prompt: addGenerationPrompt, rendered, ids: encode(tokenizer, rendered) };
  }),
}, "cases");
