#!/usr/bin/env python3
"""Reference checkpoints for NomicBERT (nomic-embed-text-v1.5's format), written and run by PyTorch in float64.

The format is the trust_remote_code one of nomic's contrastors repository
(src/contrastors/models/huggingface/modeling_hf_nomic_bert.py and configuration_hf_nomic_bert.py, read at
commit 496a0593453c3fc1b0dce723c176e82819afb7bb, the last to touch them): config.json with model_type
"nomic_bert" and GPT-2 style fields (n_embd, n_head, n_layer, n_inner, layer_norm_epsilon, ...), tensors named
as that file's modules name them (emb_ln, encoder.layers.{i}.attn.Wqkv, mlp.fc11/fc12/fc2, norm1/norm2).
reference.json holds a padded batch and the outputs of the forward, computed here in float64 from that file's
equations, written out below (neither transformers nor the remote code is imported).

    /usr/bin/python3 scripts/reference/nomic_fixtures.py [--out tests/fixtures/families] [--only NAME ...]

Needs torch (Debian's python3-torch). The shared helpers (weights' storage, inputs, JSON rounding) are
family_fixtures.py's. tests/fixtures/families/NOMIC_SPEC.md sets out the equations and the file's quirks.
"""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from family_fixtures import DTYPES, inputs, layer_norm, nested, write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------------------------------------------------
# The equations (modeling_hf_nomic_bert.py, eval mode, float64)

def silu(x):
    return x * torch.sigmoid(x)

def linear(sd, prefix, x):
    """nn.Linear; the bias only where the checkpoint has one (qkv_proj_bias / mlp_fc1_bias / mlp_fc2_bias)."""
    y = x @ sd[prefix + 'weight'].T
    return y + sd[prefix + 'bias'] if prefix + 'bias' in sd else y

def gated_inner(c):
    """NomciBertGatedMLP's width: n_inner (or int(8 * n_embd / 3) when null) rounded UP to a multiple of 256."""
    n = c['n_inner'] if c['n_inner'] is not None else int(8 * c['n_embd'] / 3)
    return (n + 255) // 256 * 256

def rotary(x, c):
    """NomicBertRotaryEmbedding on q or k, x: [B, heads, S, d]. The first rot = d * rotary_emb_fraction dims of
    each head turn by angle pos * inv_freq[i], pos = 0..S-1 (the column, whatever the padding),
    inv_freq[i] = base^(-2i / rot), i < rot / 2; the other dims pass. Not interleaved (GPT-NeoX): dim i pairs
    with i + rot/2; interleaved (GPT-J): dim 2i with 2i + 1."""
    B, nh, S, d = x.shape
    rot = int(d * c['rotary_emb_fraction'])
    inv_freq = 1.0 / c['rotary_emb_base'] ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot)
    ang = torch.arange(S, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [S, rot/2]
    cos, sin = torch.cos(ang), torch.sin(ang)
    xr, rest = x[..., :rot], x[..., rot:]
    if c['rotary_emb_interleaved']:
        a, b = xr[..., 0::2], xr[..., 1::2]
        out = torch.stack((a * cos - b * sin, b * cos + a * sin), dim=-1).reshape(B, nh, S, rot)
    else:
        a, b = xr[..., :rot // 2], xr[..., rot // 2:]
        out = torch.cat((a * cos - b * sin, b * cos + a * sin), dim=-1)
    return torch.cat((out, rest), dim=-1)

def attention(sd, p, x, mask, c):
    """NomicBertAttention: Wqkv rows are [Q; K; V], each head-major ("(three h d)"); RoPE on q and k;
    scores / sqrt(head_dim); transformers' extended mask (1 - m) * finfo.min on the key axis."""
    B, S, H = x.shape
    nh = c['n_head']
    d = H // nh
    qkv = linear(sd, p + 'attn.Wqkv.', x).view(B, S, 3, nh, d)
    q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))  # [B, heads, S, d]
    if c['rotary_emb_fraction'] > 0:
        q, k = rotary(q, c), rotary(k, c)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    scores = scores + (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float64).min
    probs = torch.softmax(scores, dim=-1)
    ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
    return linear(sd, p + 'attn.out_proj.', ctx), probs

def block(sd, p, x, mask, c):
    """NomicBertBlock with prenorm false: x1 = norm1(x + attn(x)); x2 = norm2(x1 + mlp(x1)),
    mlp(h) = fc2(fc11(h) * silu(fc12(h))) for swiglu: fc12 is the activated gate, fc11 the value."""
    a, probs = attention(sd, p, x, mask, c)
    eps = c['layer_norm_epsilon']
    x1 = layer_norm(sd, p + 'norm1.', x + a, eps)
    m = linear(sd, p + 'mlp.fc2.', linear(sd, p + 'mlp.fc11.', x1) * silu(linear(sd, p + 'mlp.fc12.', x1)))
    return layer_norm(sd, p + 'norm2.', x1 + m, eps), probs

def forward(f, sd, ids, mask, types):
    c, p = f['cfg'], prefix(f)
    x = sd[p + 'embeddings.word_embeddings.weight'][ids]
    if c['type_vocab_size'] > 0:
        x = x + sd[p + 'embeddings.token_type_embeddings.weight'][types]
    # (no position table: NomicBertEmbeddings has one only when rotary_emb_fraction <= 0)
    x = layer_norm(sd, p + 'emb_ln.', x, c['layer_norm_epsilon'])
    first = None
    for i in range(c['n_layer']):
        x, probs = block(sd, f'{p}encoder.layers.{i}.', x, mask, c)
        first = probs if first is None else first
    out = {'last_hidden_state': x, 'attentions_layer0': first}
    if p + 'pooler.dense.weight' in sd:  # NomicBertPooler: tanh(dense(h[:, 0]))
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.dense.', x[:, 0]))
    if f['architecture'] == 'NomicBertForSequenceClassification':
        out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
    return out

# ---------------------------------------------------------------------------------------------------------
# Checkpoints: the tensors the file's modules hold (state_dict names as save_pretrained writes them)

def prefix(f):
    # NomicBertModel keeps no prefix; the heads hold the backbone as self.bert.
    return '' if f['architecture'] == 'NomicBertModel' else 'bert.'

def padded_vocab(c):
    m = c['pad_vocab_size_multiple']
    return (c['vocab_size'] + m - 1) // m * m  # NomicBertModel.__init__ pads config.vocab_size up

def tensor_shapes(f):
    c, p, t = f['cfg'], prefix(f), {}
    H, I = c['n_embd'], gated_inner(c)
    def lin(name, o, i, bias=True):
        t[name + 'weight'] = [o, i]
        if bias: t[name + 'bias'] = [o]
    def ln(name): t[name + 'weight'] = [H]; t[name + 'bias'] = [H]
    t[p + 'embeddings.word_embeddings.weight'] = [padded_vocab(c), H]
    if c['type_vocab_size'] > 0:
        t[p + 'embeddings.token_type_embeddings.weight'] = [c['type_vocab_size'], H]
    ln(p + 'emb_ln.')
    for i in range(c['n_layer']):
        q = f'{p}encoder.layers.{i}.'
        lin(q + 'attn.Wqkv.', 3 * H, H, c['qkv_proj_bias'])
        lin(q + 'attn.out_proj.', H, H, c['qkv_proj_bias'])  # out_proj's bias follows qkv_proj_bias too
        lin(q + 'mlp.fc11.', I, H, c['mlp_fc1_bias'])
        lin(q + 'mlp.fc12.', I, H, c['mlp_fc1_bias'])        # both halves follow mlp_fc1_bias
        lin(q + 'mlp.fc2.', H, I, c['mlp_fc2_bias'])
        ln(q + 'norm1.')
        ln(q + 'norm2.')
    if f['architecture'] == 'NomicBertForSequenceClassification':
        lin(p + 'pooler.dense.', H, H)  # NomicBertPooler: nn.Linear with its default bias, whatever the flags
        lin('classifier.', f['labels'], H)
    return t

NORMS = ('emb_ln.weight', 'norm1.weight', 'norm2.weight')

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

AUTO_MAP = {  # nomic-embed-text-v1.5's: the code lives in the nomic-ai/nomic-bert-2048 hub repository
    'AutoConfig': 'nomic-ai/nomic-bert-2048--configuration_hf_nomic_bert.NomicBertConfig',
    'AutoModel': 'nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertModel',
    'AutoModelForMaskedLM': 'nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertForPreTraining',
}

def config_json(f):
    c = f['cfg']
    out = {
        'architectures': [f['architecture']], 'model_type': 'nomic_bert',
        'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']],
        'auto_map': f['auto_map'],
        # the GPT-2 fields the hub config carries (dropouts 0; bos/eos null)
        'vocab_size': c['vocab_size'], 'n_embd': c['n_embd'], 'n_head': c['n_head'], 'n_layer': c['n_layer'],
        'n_inner': c['n_inner'], 'n_positions': c['n_positions'], 'activation_function': c['activation_function'],
        'layer_norm_epsilon': c['layer_norm_epsilon'], 'initializer_range': 0.02,
        'attn_pdrop': 0.0, 'embd_pdrop': 0.0, 'resid_pdrop': 0.0, 'summary_first_dropout': 0.0,
        'summary_activation': None, 'summary_proj_to_labels': True, 'summary_type': 'cls_index', 'summary_use_proj': True,
        'scale_attn_weights': True, 'scale_attn_by_inverse_layer_idx': False, 'reorder_and_upcast_attn': False,
        'use_cache': True, 'bos_token_id': None, 'eos_token_id': None, 'pad_token_id': 0,
        # NomicBertConfig's own fields
        'prenorm': False, 'parallel_block': False, 'parallel_block_tied_norm': False, 'causal': False,
        'rotary_emb_fraction': c['rotary_emb_fraction'], 'rotary_emb_base': c['rotary_emb_base'],
        'rotary_emb_interleaved': c['rotary_emb_interleaved'], 'rotary_emb_scale_base': None,
        'rotary_scaling_factor': c['rotary_scaling_factor'], 'max_trained_positions': 2048,
        'qkv_proj_bias': c['qkv_proj_bias'], 'mlp_fc1_bias': c['mlp_fc1_bias'], 'mlp_fc2_bias': c['mlp_fc2_bias'],
        'type_vocab_size': c['type_vocab_size'], 'pad_vocab_size_multiple': c['pad_vocab_size_multiple'],
        'use_rms_norm': False, 'dense_seq_output': True, 'fused_bias_fc': True, 'fused_dropout_add_ln': True,
        'use_flash_attn': True, 'use_xentropy': True, 'tie_word_embeddings': True,
    }
    if f['architecture'] == 'NomicBertForSequenceClassification':
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(f['labels'])}
        out['label2id'] = {f'LABEL_{i}': i for i in range(f['labels'])}
    return dict(sorted(out.items()))

# ---------------------------------------------------------------------------------------------------------
# The fixtures

def nomic(arch, dtype, seed, auto_map, **over):
    cfg = dict(vocab_size=96, n_embd=32, n_head=4, n_layer=2, n_inner=48, n_positions=64,
               activation_function='swiglu', layer_norm_epsilon=1e-12, rotary_emb_fraction=1.0,
               rotary_emb_base=1000, rotary_emb_interleaved=False, rotary_scaling_factor=None,
               qkv_proj_bias=False, mlp_fc1_bias=False, mlp_fc2_bias=False, type_vocab_size=2,
               pad_vocab_size_multiple=32)
    cfg.update(over)
    # family_fixtures.inputs reads vocab / pad / types from cfg and the family name.
    cfg.update(vocab=cfg['vocab_size'], pad=0, types=cfg['type_vocab_size'])
    return dict(family='nomic_bert', architecture=arch, dtype=dtype, seed=seed, labels=3, auto_map=auto_map, cfg=cfg)

FIXTURES = {
    # nomic-embed-text-v1.5 as the hub has it, scaled down: no linear biases, full-width RoPE base 1000
    # (GPT-NeoX halves), SwiGLU, post-LN, eps 1e-12, F32.
    'nomic-embed-base': nomic('NomicBertModel', 'F32', seed=51, auto_map=AUTO_MAP),
    # Every flag the other way that the file honours: all linear biases, RoPE on half of each head in
    # interleaved (GPT-J) pairs at base 10000, eps 1e-5, the sequence-classification head (pooler + classifier),
    # F16. rotary_scaling_factor 2 (dynamic NTK, as nomic suggests for long inputs) changes nothing at
    # S = 13 <= max_trained_positions = 2048.
    'nomic-embed-variant': nomic('NomicBertForSequenceClassification', 'F16', seed=52,
                                 auto_map={'AutoConfig': AUTO_MAP['AutoConfig'],
                                           'AutoModelForSequenceClassification': 'nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertForSequenceClassification'},
                                 qkv_proj_bias=True, mlp_fc1_bias=True, mlp_fc2_bias=True, rotary_emb_fraction=0.5,
                                 rotary_emb_interleaved=True, rotary_emb_base=10000, rotary_scaling_factor=2.0,
                                 layer_norm_epsilon=1e-5, pad_vocab_size_multiple=8),
}

def check(name, out, mask):
    for k, v in out.items():
        assert torch.isfinite(v).all(), f'{name}: {k} not finite'
    rows = out['attentions_layer0'].sum(-1)
    assert (rows - 1).abs().max() < 1e-12, f'{name}: attention rows do not sum to 1'
    # padded keys get no weight
    assert out['attentions_layer0'][(1 - mask)[:, None, None, :].expand_as(out['attentions_layer0']).bool()].abs().max() == 0

def make(name, f, out_dir):
    shapes = tensor_shapes(f)
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
    out = forward(f, sd, ids, mask.double(), types)
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
