#!/usr/bin/env python3
"""Reference fixtures for the ALBERT family (tests/fixtures/families/albert-*).

Each fixture is a random-weight checkpoint laid out as transformers' save_pretrained writes AlbertModel and its
head classes (config.json + model.safetensors; the backbone under `albert.` for the heads, the tied decoder left
out), and reference.json: the float64 forward written out below from the equations of transformers'
modeling_albert.py (not imported) on the padded batch family_fixtures.py uses. What ALBERT adds to BERT:
  - embeddings at embedding_size E, always projected to hidden_size H by encoder.embedding_hidden_mapping_in;
  - num_hidden_groups layer groups of inner_group_num AlbertLayers each; call i of num_hidden_layers runs group
    int(i / (num_hidden_layers / num_hidden_groups)), so layers share weights;
  - AlbertLayer: attention.{query,key,value,dense,LayerNorm} (LN(x + dense(ctx))), then
    full_layer_layer_norm(ffn_output(act(ffn(a))) + a);
  - pooler: a bare Linear + tanh on the first token; AlbertMLMHead `predictions`: dense to E, ACT2FN[hidden_act],
    LayerNorm(E), decoder tied to the word embeddings + predictions.bias.

Run with Debian's python3-torch:  python3 scripts/reference/albert_fixtures.py [--only albert-base ...] [--check]
(--check also runs transformers' own classes in float64 when transformers is importable).
"""
import argparse, json, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from family_fixtures import (  # noqa: E402  the shared equations and file writers
    ACT, DTYPES, LENGTHS, attention, layer_norm, linear, nested, random_weights, write_safetensors,
)

torch.set_default_dtype(torch.float64)

LAYER = dict(q='attention.query.', k='attention.key.', v='attention.value.', attn_out='attention.dense.',
             attn_ln='attention.LayerNorm.', ffn_in='ffn.', ffn_out='ffn_output.', ffn_ln='full_layer_layer_norm.')

def group_of(i, c):
    """AlbertTransformer: int(i / (num_hidden_layers / num_hidden_groups)), a float division as Python does it."""
    return int(i / (c['layers'] / c['groups']))

def albert_layer(sd, p, x, mask, c):
    ctx, probs = attention(sd, [p + LAYER['q'], p + LAYER['k'], p + LAYER['v']], x, mask, c['heads'])
    a = layer_norm(sd, p + LAYER['attn_ln'], x + linear(sd, p + LAYER['attn_out'], ctx), c['eps'])
    ffn = linear(sd, p + LAYER['ffn_out'], ACT[c['act']](linear(sd, p + LAYER['ffn_in'], a)))
    return layer_norm(sd, p + LAYER['ffn_ln'], ffn + a, c['eps']), probs

def backbone(f, sd, p, ids, mask, types):
    c = f['cfg']
    B, S = ids.shape
    x = (sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.token_type_embeddings.weight'][types]
         + sd[p + 'embeddings.position_embeddings.weight'][torch.arange(S)[None].expand(B, S)])
    x = layer_norm(sd, p + 'embeddings.LayerNorm.', x, c['eps'])
    x = linear(sd, p + 'encoder.embedding_hidden_mapping_in.', x)
    first = None
    for i in range(c['layers']):
        for j in range(c['inner']):
            x, probs = albert_layer(sd, f"{p}encoder.albert_layer_groups.{group_of(i, c)}.albert_layers.{j}.", x, mask, c)
            first = probs if first is None else first
    return x, first

def heads(f, sd, p, h):
    c, arch, out = f['cfg'], f['architecture'], {}
    if p + 'pooler.weight' in sd:
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.', h[:, 0]))
    if arch == 'AlbertForSequenceClassification':
        out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
    elif arch == 'AlbertForTokenClassification':
        out['logits'] = linear(sd, 'classifier.', h)
    elif arch == 'AlbertForQuestionAnswering':
        qa = linear(sd, 'qa_outputs.', h)
        out['start_logits'], out['end_logits'] = qa[..., 0], qa[..., 1]
    elif arch == 'AlbertForMaskedLM':
        t = layer_norm(sd, 'predictions.LayerNorm.', ACT[c['act']](linear(sd, 'predictions.dense.', h)), c['eps'])
        out['logits'] = t @ sd[p + 'embeddings.word_embeddings.weight'].T + sd['predictions.bias']
    return out

def tensor_shapes(f):
    c, arch = f['cfg'], f['architecture']
    H, I, V, L, E = c['hidden'], c['inter'], c['vocab'], c['labels'], c['embedding']
    p = '' if arch == 'AlbertModel' else 'albert.'
    t = {}
    def lin(name, o, i): t[name + 'weight'] = [o, i]; t[name + 'bias'] = [o]
    def ln(name, n): t[name + 'weight'] = [n]; t[name + 'bias'] = [n]
    t[p + 'embeddings.word_embeddings.weight'] = [V, E]
    t[p + 'embeddings.position_embeddings.weight'] = [c['positions'], E]
    t[p + 'embeddings.token_type_embeddings.weight'] = [c['types'], E]
    ln(p + 'embeddings.LayerNorm.', E)
    lin(p + 'encoder.embedding_hidden_mapping_in.', H, E)
    for g in range(c['groups']):  # every group is stored, used or not
        for j in range(c['inner']):
            q = f'{p}encoder.albert_layer_groups.{g}.albert_layers.{j}.'
            for n in ('q', 'k', 'v', 'attn_out'): lin(q + LAYER[n], H, H)
            ln(q + LAYER['attn_ln'], H)
            lin(q + LAYER['ffn_in'], I, H)
            lin(q + LAYER['ffn_out'], H, I)
            ln(q + LAYER['ffn_ln'], H)
    # add_pooling_layer: AlbertModel and AlbertForSequenceClassification only.
    if arch in ('AlbertModel', 'AlbertForSequenceClassification'): lin(p + 'pooler.', H, H)
    if arch in ('AlbertForSequenceClassification', 'AlbertForTokenClassification'): lin('classifier.', L, H)
    if arch == 'AlbertForQuestionAnswering': lin('qa_outputs.', 2, H)
    if arch == 'AlbertForMaskedLM':
        lin('predictions.dense.', E, H); ln('predictions.LayerNorm.', E); t['predictions.bias'] = [V]
    return p, t

def config_json(f):
    c = f['cfg']
    out = {'architectures': [f['architecture']], 'model_type': 'albert',
           'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']],
           'vocab_size': c['vocab'], 'embedding_size': c['embedding'], 'hidden_size': c['hidden'],
           'num_hidden_layers': c['layers'], 'num_hidden_groups': c['groups'], 'inner_group_num': c['inner'],
           'num_attention_heads': c['heads'], 'intermediate_size': c['inter'], 'hidden_act': c['act'],
           'max_position_embeddings': c['positions'], 'type_vocab_size': c['types'], 'layer_norm_eps': c['eps'],
           'position_embedding_type': 'absolute', 'pad_token_id': 0, 'bos_token_id': 2, 'eos_token_id': 3}
    if f['architecture'] in ('AlbertForSequenceClassification', 'AlbertForTokenClassification'):
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(c['labels'])}
        out['label2id'] = {f'LABEL_{i}': i for i in range(c['labels'])}
    return dict(sorted(out.items()))

def albert(arch, dtype='F32', seed=1, **over):
    cfg = dict(vocab=96, embedding=16, hidden=32, layers=2, groups=1, inner=1, heads=4, inter=48, positions=40,
               types=2, eps=1e-12, act='gelu_new', labels=3)
    cfg.update(over)
    return dict(architecture=arch, dtype=dtype, seed=seed, cfg=cfg)

FIXTURES = {
    # 3 layers over 2 groups: calls 0 and 1 run group 0 (3 / 2 = 1.5 layers per group), call 2 runs group 1.
    'albert-base': albert('AlbertModel', seed=51, layers=3, groups=2),
    'albert-mlm': albert('AlbertForMaskedLM', 'F16', seed=52),
    # Two AlbertLayers per group, one group run twice: 4 layers from 2 stored.
    'albert-seqcls': albert('AlbertForSequenceClassification', seed=53, inner=2),
    'albert-tokcls': albert('AlbertForTokenClassification', 'BF16', seed=54, groups=2, act='gelu'),
    'albert-qa': albert('AlbertForQuestionAnswering', seed=55, layers=4, groups=2, embedding=32),
}

def inputs(f):
    """family_fixtures' batch: three sequences of 13 tokens, the second padded after 9, the third after 4."""
    c = f['cfg']
    g = torch.Generator().manual_seed(1000 + f['seed'])
    B, S = len(LENGTHS), LENGTHS[0]
    ids = torch.randint(4, c['vocab'], (B, S), generator=g)
    mask = torch.zeros(B, S, dtype=torch.long)
    for b, n in enumerate(LENGTHS): mask[b, :n] = 1
    ids[mask == 0] = 0
    types = torch.zeros(B, S, dtype=torch.long)
    types[0, 7:] = 1
    types[1, 5:9] = 1
    return ids, mask, types

def make(name, f, out_dir):
    p, shapes = tensor_shapes(f)
    sd32 = random_weights(shapes, f['seed'])
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, 'model.safetensors'), sd32, f['dtype'])
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(config_json(f), fh, indent=2)
        fh.write('\n')
    # The reference runs the stored values: rounded to the storage dtype, then widened to float64.
    sd = {k: v.to(DTYPES[f['dtype']]).to(torch.float64) for k, v in sd32.items()}
    ids, mask, types = inputs(f)
    h, probs = backbone(f, sd, p, ids, mask.double(), types)
    out = {'last_hidden_state': h, 'attentions_layer0': probs, **heads(f, sd, p, h)}
    ref = {'family': 'albert', 'architecture': f['architecture'], 'dtype': f['dtype'],
           'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'token_type_ids': types.tolist()}
    ref.update({k: nested(v) for k, v in out.items()})
    with open(os.path.join(folder, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')
    return out

def check_with_transformers(name, f, out_dir, ours):
    """transformers' own class in float64 on the same files and inputs: the largest |difference| per output."""
    import transformers
    model = getattr(transformers, f['architecture']).from_pretrained(
        os.path.join(out_dir, name), torch_dtype=torch.float64, attn_implementation='eager').eval()
    ids, mask, types = inputs(f)
    with torch.no_grad():
        o = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True, output_attentions=True)
    theirs = {'last_hidden_state': o.hidden_states[-1], 'attentions_layer0': o.attentions[0]}
    for k in ('pooler_output', 'logits', 'start_logits', 'end_logits'):
        if getattr(o, k, None) is not None: theirs[k] = getattr(o, k)
    keep = mask[:, None, :, None].bool()
    diffs = {}
    for k, v in ours.items():
        if k in theirs:
            a, b = v, theirs[k].to(torch.float64)
            if k == 'attentions_layer0':  # padded query rows are not compared: newer masks skip them
                a, b = a[keep.expand_as(a)], b[keep.expand_as(b)]
            diffs[k] = float((a - b).abs().max())
    return transformers.__version__, diffs

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'fixtures', 'families'))
    ap.add_argument('--check', action='store_true', help='also compare with the transformers library, if importable')
    ap.add_argument('--only', nargs='*', help='fixture names')
    args = ap.parse_args()
    for name in args.only or list(FIXTURES):
        ours = make(name, FIXTURES[name], args.out)
        line = f'{name}: {", ".join(ours)}'
        if args.check:
            version, diffs = check_with_transformers(name, FIXTURES[name], args.out, ours)
            line += f'  | transformers {version}: ' + ', '.join(f'{k} {v:.1e}' for k, v in diffs.items())
        print(line)

if __name__ == '__main__':
    main()
