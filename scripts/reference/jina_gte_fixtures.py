#!/usr/bin/env python3
"""Reference checkpoints for Jina-BERT v2 and GTE v1.5, written and run by PyTorch in float64.

Jina-BERT v2 is the trust_remote_code format of jinaai/jina-bert-implementation (modeling_bert.py: config
model_type "bert" with position_embedding_type "alibi" and feed_forward_type), GTE v1.5 that of
Alibaba-NLP/new-impl (modeling.py / configuration.py, model_type "new"). Neither repository nor transformers is
imported: the equations below are written from those files (tensor names as their modules name them), and
reference.json holds a padded batch and the outputs of that forward in float64.

    /usr/bin/python3 scripts/reference/jina_gte_fixtures.py [--out tests/fixtures/families] [--only NAME ...]

Needs torch (Debian's python3-torch); the shared helpers are family_fixtures.py's.
"""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from family_fixtures import DTYPES, inputs, layer_norm, nested, write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

def linear(sd, prefix, x):
    y = x @ sd[prefix + 'weight'].T
    return y + sd[prefix + 'bias'] if prefix + 'bias' in sd else y

def gelu(x):  # nn.GELU() / ACT2FN['gelu']: the erf form
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

ACTS = {'gelu': gelu, 'relu': torch.relu, 'silu': lambda x: x * torch.sigmoid(x),
        'gelu_new': lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))}

def masked_softmax(scores, mask):
    """transformers' extended mask: (1 - m) * finfo.min added on the key axis."""
    scores = scores + (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float64).min
    return torch.softmax(scores, dim=-1)

# ---------------------------------------------------------------------------------------------------------
# Jina-BERT v2 (modeling_bert.py of jinaai/jina-bert-implementation, eval mode)

def alibi_head_slopes(n):
    """JinaBertEncoder._get_alibi_head_slopes, as written there (Python floats)."""
    def power_of_2(n):
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + alibi_head_slopes(2 * closest)[0::2][: n - closest]

def alibi_bias(n_heads, S):
    """rebuild_alibi_tensor: -slope[h] * |j - i|; the slopes pass through torch.Tensor (float32) there."""
    pos = torch.arange(S)
    rel = (pos[None, :] - pos[:, None]).abs().to(torch.float64)
    slopes = torch.tensor(alibi_head_slopes(n_heads), dtype=torch.float32).to(torch.float64) * -1
    return slopes[:, None, None] * rel[None]  # [heads, S, S]

JINA_GLU = {'geglu': gelu, 'reglu': torch.relu}  # JinaBertGLUMLP raises on any other feed_forward_type

def jina_forward(f, sd, ids, mask, types):
    c, p = f['cfg'], jina_prefix(f)
    H, nh, I, eps = c['hidden_size'], c['num_attention_heads'], c['intermediate_size'], c['layer_norm_eps']
    B, S = ids.shape
    d = H // nh
    x = sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.token_type_embeddings.weight'][types]
    # (no position table under ALiBi)
    x = layer_norm(sd, p + 'embeddings.LayerNorm.', x, eps)
    bias = alibi_bias(nh, S)
    first = None
    for i in range(c['num_hidden_layers']):
        q_ = f'{p}encoder.layer.{i}.'
        heads = lambda t: t.view(B, S, nh, d).transpose(1, 2)
        q, k, v = (heads(linear(sd, q_ + f'attention.self.{n}.', x)) for n in ('query', 'key', 'value'))
        # JinaBertSelfAttention: scores / sqrt(d) + extended mask + the encoder's alibi bias
        probs = masked_softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias[None], mask)
        first = probs if first is None else first
        ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
        x1 = layer_norm(sd, q_ + 'attention.output.LayerNorm.', x + linear(sd, q_ + 'attention.output.dense.', ctx), eps)
        if c['feed_forward_type'] == 'original':  # BERT's JinaBertIntermediate + JinaBertOutput
            m = linear(sd, q_ + 'output.dense.', ACTS[c['hidden_act']](linear(sd, q_ + 'intermediate.dense.', x1)))
            x = layer_norm(sd, q_ + 'output.LayerNorm.', x1 + m, eps)
            continue
        # JinaBertGLUMLP: gated = first I columns (activated), non_gated = the rest; wo; layernorm(+ residual)
        g = linear(sd, q_ + 'mlp.gated_layers.', x1)
        m = linear(sd, q_ + 'mlp.wo.', JINA_GLU[c['feed_forward_type']](g[..., :I]) * g[..., I:])
        x = layer_norm(sd, q_ + 'mlp.layernorm.', x1 + m, eps)
    out = {'last_hidden_state': x, 'attentions_layer0': first}
    if p + 'pooler.dense.weight' in sd:
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.dense.', x[:, 0]))
    if f['architecture'] == 'JinaBertForSequenceClassification':
        out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
    if f['architecture'] == 'JinaBertForTokenClassification':
        out['logits'] = linear(sd, 'classifier.', x)
    return out

def jina_prefix(f):
    return '' if f['architecture'] == 'JinaBertModel' else 'bert.'

def jina_shapes(f):
    c, p, t = f['cfg'], jina_prefix(f), {}
    H, I = c['hidden_size'], c['intermediate_size']
    def lin(name, o, i, bias=True):
        t[name + 'weight'] = [o, i]
        if bias: t[name + 'bias'] = [o]
    def ln(name): t[name + 'weight'] = [H]; t[name + 'bias'] = [H]
    t[p + 'embeddings.word_embeddings.weight'] = [c['vocab_size'], H]
    t[p + 'embeddings.token_type_embeddings.weight'] = [c['type_vocab_size'], H]
    ln(p + 'embeddings.LayerNorm.')
    for i in range(c['num_hidden_layers']):
        q = f'{p}encoder.layer.{i}.'
        for n in ('query', 'key', 'value'): lin(q + f'attention.self.{n}.', H, H)
        lin(q + 'attention.output.dense.', H, H)
        ln(q + 'attention.output.LayerNorm.')
        if c['feed_forward_type'] == 'original':
            lin(q + 'intermediate.dense.', I, H)
            lin(q + 'output.dense.', H, I)
            ln(q + 'output.LayerNorm.')
            continue
        lin(q + 'mlp.gated_layers.', 2 * I, H, bias=False)
        lin(q + 'mlp.wo.', H, I)
        ln(q + 'mlp.layernorm.')
    if f['architecture'] != 'JinaBertForTokenClassification':  # add_pooling_layer=False there, as in BERT
        lin(p + 'pooler.dense.', H, H)  # JinaBertModel's defaults to True: the embedding models ship it
    if f['architecture'] in ('JinaBertForSequenceClassification', 'JinaBertForTokenClassification'):
        lin('classifier.', f['labels'], H)
    return t

def jina_config(f):
    c = f['cfg']
    base = 'jinaai/jina-bert-implementation--'
    out = {
        'architectures': [f['architecture']], 'model_type': 'bert',
        'auto_map': {'AutoConfig': base + 'configuration_bert.JinaBertConfig', 'AutoModel': base + 'modeling_bert.JinaBertModel',
                     'AutoModelForMaskedLM': base + 'modeling_bert.JinaBertForMaskedLM',
                     'AutoModelForSequenceClassification': base + 'modeling_bert.JinaBertForSequenceClassification'},
        'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']],
        'attention_probs_dropout_prob': 0.0, 'hidden_dropout_prob': 0.0, 'classifier_dropout': None, 'initializer_range': 0.02,
        'emb_pooler': 'mean', 'attn_implementation': 'torch', 'gradient_checkpointing': False, 'use_cache': True,
        'pad_token_id': 0, 'position_embedding_type': 'alibi',
    }
    for k in ('vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'hidden_act',
              'max_position_embeddings', 'type_vocab_size', 'layer_norm_eps', 'feed_forward_type'):
        out[k] = c[k]
    if f['architecture'] in ('JinaBertForSequenceClassification', 'JinaBertForTokenClassification'):
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(f['labels'])}
        out['label2id'] = {f'LABEL_{i}': i for i in range(f['labels'])}
    return dict(sorted(out.items()))

def jina(arch, dtype, seed, **over):
    cfg = dict(vocab_size=96, hidden_size=48, num_hidden_layers=2, num_attention_heads=6, intermediate_size=40,
               hidden_act='gelu', max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12, feed_forward_type='geglu')
    cfg.update(over)
    cfg.update(vocab=cfg['vocab_size'], pad=0, types=cfg['type_vocab_size'])
    return dict(family='jina_bert', architecture=arch, dtype=dtype, seed=seed, labels=3, cfg=cfg,
                forward=jina_forward, shapes=jina_shapes, config=jina_config)

# ---------------------------------------------------------------------------------------------------------
# GTE v1.5 (modeling.py of Alibaba-NLP/new-impl, eval mode, unpad_inputs false)

def gte_inv_freq(c):
    """RotaryEmbedding / NTKScalingRotaryEmbedding: with rope_scaling the cache is built at
    max_position_embeddings * factor, past max_position_embeddings, so the scaled frequencies are the ones used."""
    dim = c['hidden_size'] // c['num_attention_heads']
    ar = torch.arange(0, dim, 2, dtype=torch.float64) / dim
    s = c.get('rope_scaling')
    if s is None:
        return 1.0 / c['rope_theta'] ** ar
    factor, mixed_b = s['factor'], s.get('mixed_b')
    base = c['rope_theta'] * (factor if mixed_b is None else 1)
    inv = 1.0 / base ** ar
    if mixed_b is None:
        return inv / factor ** (2 / dim)                                               # (6)
    a = math.log(factor) / (dim / 2) ** mixed_b                                          # (13)
    return inv / torch.exp(a * torch.arange(1, dim // 2 + 1, dtype=torch.float64) ** mixed_b)  # (12), (10)

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

def gte_forward(f, sd, ids, mask, types):
    c, p = f['cfg'], gte_prefix(f)
    H, nh, I, eps = c['hidden_size'], c['num_attention_heads'], c['intermediate_size'], c['layer_norm_eps']
    B, S = ids.shape
    d = H // nh
    act = ACTS[c['hidden_act']]
    x = sd[p + 'embeddings.word_embeddings.weight'][ids]
    if c['type_vocab_size'] > 0:
        x = x + sd[p + 'embeddings.token_type_embeddings.weight'][types]
    x = layer_norm(sd, p + 'embeddings.LayerNorm.', x, eps)
    ang = torch.arange(S, dtype=torch.float64)[:, None] * gte_inv_freq(c)[None, :]
    emb = torch.cat((ang, ang), dim=-1)  # [S, d]
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]  # positions 0..S-1 of every row
    first = None
    for i in range(c['num_hidden_layers']):
        q_ = f'{p}encoder.layer.{i}.'
        q, k, v = (t.view(B, S, nh, d) for t in linear(sd, q_ + 'attention.qkv_proj.', x).split(H, dim=-1))
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        probs = masked_softmax(q @ k.transpose(-1, -2) / math.sqrt(d), mask)
        first = probs if first is None else first
        ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
        x1 = layer_norm(sd, q_ + 'attn_ln.', x + linear(sd, q_ + 'attention.o_proj.', ctx), eps)
        # NewGatedMLP: up_states, gate = split(up_gate_proj(x)); down_proj(act(gate) * up_states)
        ug = linear(sd, q_ + 'mlp.up_gate_proj.', x1)
        m = linear(sd, q_ + 'mlp.down_proj.', act(ug[..., I:]) * ug[..., :I])
        x = layer_norm(sd, q_ + 'mlp_ln.', x1 + m, eps)
    out = {'last_hidden_state': x, 'attentions_layer0': first}
    if p + 'pooler.dense.weight' in sd:  # NewPooler
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.dense.', x[:, 0]))
    if f['architecture'] == 'NewForSequenceClassification':
        out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
    return out

def gte_prefix(f):
    return '' if f['architecture'] == 'NewModel' else 'new.'

def gte_shapes(f):
    c, p, t = f['cfg'], gte_prefix(f), {}
    H, I = c['hidden_size'], c['intermediate_size']
    def lin(name, o, i, bias=True):
        t[name + 'weight'] = [o, i]
        if bias: t[name + 'bias'] = [o]
    def ln(name): t[name + 'weight'] = [H]; t[name + 'bias'] = [H]
    t[p + 'embeddings.word_embeddings.weight'] = [c['vocab_size'], H]
    if c['type_vocab_size'] > 0:
        t[p + 'embeddings.token_type_embeddings.weight'] = [c['type_vocab_size'], H]
    ln(p + 'embeddings.LayerNorm.')
    for i in range(c['num_hidden_layers']):
        q = f'{p}encoder.layer.{i}.'
        lin(q + 'attention.qkv_proj.', 3 * H, H)
        lin(q + 'attention.o_proj.', H, H)
        lin(q + 'mlp.up_gate_proj.', 2 * I, H, bias=False)
        lin(q + 'mlp.down_proj.', H, I)
        ln(q + 'attn_ln.')
        ln(q + 'mlp_ln.')
    if f['architecture'] == 'NewForSequenceClassification':
        lin(p + 'pooler.dense.', H, H)  # add_pooling_layer=True there only
        lin('classifier.', f['labels'], H)
    return t

def gte_config(f):
    c = f['cfg']
    base = 'Alibaba-NLP/new-impl--'
    out = {
        'architectures': [f['architecture']], 'model_type': 'new',
        'auto_map': {'AutoConfig': base + 'configuration.NewConfig', 'AutoModel': base + 'modeling.NewModel',
                     'AutoModelForMaskedLM': base + 'modeling.NewForMaskedLM',
                     'AutoModelForSequenceClassification': base + 'modeling.NewForSequenceClassification'},
        'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']],
        'attention_probs_dropout_prob': 0.0, 'hidden_dropout_prob': 0.1, 'classifier_dropout': None, 'initializer_range': 0.02,
        'layer_norm_type': 'layer_norm', 'position_embedding_type': 'rope', 'pack_qkv': True, 'unpad_inputs': False,
        'use_memory_efficient_attention': False, 'logn_attention_scale': False, 'logn_attention_clip1': False,
    }
    for k in ('vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'hidden_act',
              'max_position_embeddings', 'type_vocab_size', 'layer_norm_eps', 'rope_theta', 'rope_scaling'):
        out[k] = c.get(k)
    if f['architecture'] == 'NewForSequenceClassification':
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(f['labels'])}
        out['label2id'] = {f'LABEL_{i}': i for i in range(f['labels'])}
    return dict(sorted(out.items()))

def gte(arch, dtype, seed, **over):
    cfg = dict(vocab_size=96, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
               hidden_act='gelu', max_position_embeddings=64, type_vocab_size=0, layer_norm_eps=1e-12,
               rope_theta=500000.0, rope_scaling=None)
    cfg.update(over)
    cfg.update(vocab=cfg['vocab_size'], pad=0, types=cfg['type_vocab_size'])
    return dict(family='gte', architecture=arch, dtype=dtype, seed=seed, labels=3, cfg=cfg,
                forward=gte_forward, shapes=gte_shapes, config=gte_config)

FIXTURES = {
    # jina-embeddings-v2 scaled down: the bare backbone with its pooler, GeGLU, ALiBi over 6 heads (4 + 2 of the
    # 8-head set), F32.
    'jina-bert-v2-base': jina('JinaBertModel', 'F32', seed=61),
    # jina-reranker-v1 scaled down: `bert.` + pooler + classifier, ReGLU, 12 heads (jina-v2-base's count: 8 + 4),
    # F16.
    'jina-bert-v2-seqcls': jina('JinaBertForSequenceClassification', 'F16', seed=62, hidden_size=96,
                                num_attention_heads=12, intermediate_size=64, feed_forward_type='reglu'),
    # The feed_forward_type the embedding models do not use: BERT's intermediate / output under ALiBi (5 heads:
    # 4 + 1 of the 8-head set), gelu_new, the token classifier without a pooler, BF16.
    'jina-bert-v2-tokcls': jina('JinaBertForTokenClassification', 'BF16', seed=63, hidden_size=40, num_attention_heads=5,
                                feed_forward_type='original', hidden_act='gelu_new'),
    # gte-base-en-v1.5 scaled down: fused qkv_proj, up_gate_proj GLU (GELU), post-LN, rope_theta 500000 with
    # fixed NTK scaling factor 2, no token types, F32.
    'gte-v1.5-base': gte('NewModel', 'F32', seed=71, rope_scaling={'type': 'ntk', 'factor': 2.0}),
    # gte-multilingual-reranker-base's shape scaled down: `new.` + pooler + classifier, one token type, rope_theta
    # 160000 with mixed NTK (factor 8, mixed_b 0.75), SiLU gate, eps 1e-5, BF16.
    'gte-v1.5-seqcls': gte('NewForSequenceClassification', 'BF16', seed=72, type_vocab_size=1, rope_theta=160000.0,
                           rope_scaling={'type': 'ntk', 'factor': 8.0, 'mixed_b': 0.75}, hidden_act='silu', layer_norm_eps=1e-5),
}

NORMS = ('LayerNorm.weight', 'layernorm.weight', 'attn_ln.weight', 'mlp_ln.weight')

def random_weights(shapes, seed):
    """As family_fixtures: weights and embeddings ~ N(0, 0.2^2), biases and LayerNorm beta ~ N(0, 0.1^2),
    LayerNorm gamma ~ 1 + N(0, 0.1^2)."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for name in sorted(shapes):
        n = torch.randn(shapes[name], generator=g, dtype=torch.float32)
        if name.endswith(NORMS): sd[name] = 1.0 + 0.1 * n
        elif name.endswith('bias'): sd[name] = 0.1 * n
        else: sd[name] = 0.2 * n
    return sd

def check(name, out, mask):
    for k, v in out.items():
        assert torch.isfinite(v).all(), f'{name}: {k} not finite'
    a = out['attentions_layer0']
    assert (a.sum(-1) - 1).abs().max() < 1e-12, f'{name}: attention rows do not sum to 1'
    assert a[(1 - mask)[:, None, None, :].expand_as(a).bool()].abs().max() == 0, f'{name}: a padded key has weight'

def make(name, f, out_dir):
    shapes = f['shapes'](f)
    sd32 = random_weights(shapes, f['seed'])
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, 'model.safetensors'), sd32, f['dtype'])
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(f['config'](f), fh, indent=2)
        fh.write('\n')
    # The reference runs the stored values: rounded to the storage dtype, then widened to float64.
    sd = {k: v.to(DTYPES[f['dtype']]).to(torch.float64) for k, v in sd32.items()}
    ids, mask, types = inputs(f)
    out = f['forward'](f, sd, ids, mask.double(), types)
    check(name, out, mask)
    ref = {'family': f['family'], 'architecture': f['architecture'], 'dtype': f['dtype'],
           'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'token_type_ids': types.tolist()}
    ref.update({k: nested(v) for k, v in out.items()})
    with open(os.path.join(folder, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'fixtures', 'families'))
    ap.add_argument('--only', nargs='*', help='fixture names')
    args = ap.parse_args()
    for name in args.only or list(FIXTURES):
        out = make(name, FIXTURES[name], args.out)
        print(f'{name}: ' + ', '.join(f'{k} {list(v.shape)}' for k, v in out.items()))

if __name__ == '__main__':
    main()
