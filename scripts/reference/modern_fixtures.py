#!/usr/bin/env python3
"""Reference checkpoints for MPNet, ModernBERT and NomicBERT (transformers' own classes), written and run by
PyTorch in float64.

The same format as family_fixtures.py: each fixture is a random-weight checkpoint in Hugging Face layout
(config.json + model.safetensors, tensor names as transformers' save_pretrained writes them for that
architecture, tied decoders left out) and reference.json: a padded batch and the outputs of the forward,
computed here in float64 from the transformers equations (written out below, not imported). Sources read
(huggingface/transformers; tests/fixtures/families/MODERN_SPEC.md has the details):
  MPNet       models/mpnet/modeling_mpnet.py @ 00099b9f15ad8bea330364709453fc49cbba90e5,
              configuration_mpnet.py @ 06053b84c14d72e9789fbf27844a75aa89b3ded7
  ModernBERT  models/modernbert/modular_modernbert.py + configuration_modernbert.py
              @ 001f85b38fb432858ace93f18622f07cec46d874, masking_utils.py @ 00c4411cbe15d4c56d54d3b56d4d171e9c289dac
  NomicBERT   models/nomic_bert/modular_nomic_bert.py (the JinaEmbeddingsV3-based version of PR #43067, with
              default_theta 1000), modeling_nomic_bert.py @ 5f8d1c6bac8ebe3dec265ad8ba5ce3ff4f51f91f,
              jina_embeddings_v3/modeling_jina_embeddings_v3.py @ 5f8d1c6bac8ebe3dec265ad8ba5ce3ff4f51f91f

    /usr/bin/python3 scripts/reference/modern_fixtures.py [--out tests/fixtures/families] [--only NAME ...]
        [--rope-fp32-diff] [--debug]

Needs torch (Debian's python3-torch). Everything runs in float64 except MPNet's relative position buckets,
which are computed exactly as transformers computes them (int64 distances, float32 log, truncation to int64).
RoPE tables are float64 here (angles pos * inv_freq in float64); transformers builds them in float32
(--rope-fp32-diff prints how much that changes each output).
"""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family_fixtures import ACT, DTYPES, gelu, nested, roberta_positions, write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

MIN = torch.finfo(torch.float64).min
ACTS = dict(ACT, gelu_pytorch_tanh=ACT['gelu_new'], silu=lambda x: x * torch.sigmoid(x), swish=lambda x: x * torch.sigmoid(x))
ROPE_FP32 = False  # --rope-fp32-diff: build the cos/sin tables as transformers does (float32), for comparison only

# ---------------------------------------------------------------------------------------------------------
# Shared pieces (biases and LayerNorm betas only where the checkpoint has them)

def linear(sd, prefix, x):
    y = x @ sd[prefix + 'weight'].T
    return y + sd[prefix + 'bias'] if prefix + 'bias' in sd else y

def norm(sd, prefix, x, eps):
    """nn.LayerNorm (biased variance); bias=False LayerNorms (ModernBERT's norm_bias false) have no beta."""
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps) * sd[prefix + 'weight']
    return y + sd[prefix + 'bias'] if prefix + 'bias' in sd else y

def heads_split(t, heads):
    B, S, H = t.shape
    return t.view(B, S, heads, H // heads).transpose(1, 2)

def attend(q, k, v, add, bias=None):
    """Scores q.k^T / sqrt(d) (+ position bias) + the additive mask (0 or the float64 minimum), softmax over
    keys, then the weighted values. Returns the context [B, S, H] and the probabilities [B, heads, S, S]."""
    d = q.shape[-1]
    scores = q @ k.transpose(-1, -2) * d ** -0.5
    if bias is not None:
        scores = scores + bias
    probs = torch.softmax(scores + add, dim=-1)
    B, h, S, _ = q.shape
    return (probs @ v).transpose(1, 2).reshape(B, S, h * d), probs

def key_mask(mask):
    """[B, 1, 1, S] additive mask of the float64 minimum on padded keys (get_extended_attention_mask and
    create_bidirectional_mask's eager form give the same values)."""
    return torch.where(mask.bool()[:, None, None, :], 0.0, MIN)

def rope_tables(theta, dim, S):
    """cos, sin [S, dim]: emb = cat(freqs, freqs), freqs[p, i] = p * inv_freq[i], inv_freq[i] = theta^(-2i/dim)."""
    if ROPE_FP32:  # transformers: int64 arange -> float32, float32 pow, float32 product, float32 cos/sin
        inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float32) / dim))
        freqs = torch.arange(S, dtype=torch.int64).to(torch.float32)[:, None] * inv[None, :]
    else:
        inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float64) / dim))
        freqs = torch.arange(S, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(torch.float64), emb.sin().to(torch.float64)

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

def rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin

# ---------------------------------------------------------------------------------------------------------
# MPNet (modeling_mpnet.py): BERT's post-LN layers, RoBERTa's position ids, one T5-style relative bias

def mpnet_bucket(relative_position, num_buckets=32, max_distance=128):
    """MPNetEncoder.relative_position_bucket, the same dtypes: int64 distances, float32 log, .to(long)."""
    ret = 0
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (
        torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
    ret += torch.where(is_small, n, val_if_large)
    return ret

def mpnet_position_bias(sd, p, S):
    """compute_position_bias: columns 0..S-1 (not the padded position ids), num_buckets 32 (hard-coded)."""
    context = torch.arange(S, dtype=torch.long)[:, None]
    memory = torch.arange(S, dtype=torch.long)[None, :]
    bucket = mpnet_bucket(memory - context)
    values = sd[p + 'encoder.relative_attention_bias.weight'][bucket]  # [S, S, heads]
    return values.permute(2, 0, 1)[None]  # [1, heads, S, S]

def mpnet_backbone(f, sd, p, ids, mask, types):
    c = f['cfg']
    S = ids.shape[1]
    pos = roberta_positions(ids, 1)  # MPNetEmbeddings.padding_idx is hard-coded 1
    x = sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.position_embeddings.weight'][pos]
    x = norm(sd, p + 'embeddings.LayerNorm.', x, c['eps'])
    add, bias, maps = key_mask(mask), mpnet_position_bias(sd, p, S), []
    for i in range(c['layers']):
        q = f'{p}encoder.layer.{i}.'
        qs, ks, vs = (heads_split(linear(sd, f'{q}attention.attn.{n}.', x), c['heads']) for n in 'qkv')
        ctx, probs = attend(qs, ks, vs, add, bias)
        x1 = norm(sd, q + 'attention.LayerNorm.', linear(sd, q + 'attention.attn.o.', ctx) + x, c['eps'])
        inter = ACTS[c['act']](linear(sd, q + 'intermediate.dense.', x1))
        x = norm(sd, q + 'output.LayerNorm.', linear(sd, q + 'output.dense.', inter) + x1, c['eps'])
        maps.append(probs)
    return x, maps

def mpnet_heads(f, sd, p, h, mask):
    arch, c, out = f['architecture'], f['cfg'], {}
    if p + 'pooler.dense.weight' in sd:
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.dense.', h[:, 0]))
    if arch == 'MPNetForMaskedLM':  # MPNetLMHead: always the erf GELU; decoder tied, its bias is lm_head.bias
        t = norm(sd, 'lm_head.layer_norm.', gelu(linear(sd, 'lm_head.dense.', h)), c['eps'])
        out['logits'] = t @ sd[p + 'embeddings.word_embeddings.weight'].T + sd['lm_head.bias']
    elif arch == 'MPNetForSequenceClassification':  # MPNetClassificationHead: token 0, dense, tanh, out_proj
        out['logits'] = linear(sd, 'classifier.out_proj.', torch.tanh(linear(sd, 'classifier.dense.', h[:, 0])))
    elif arch == 'MPNetForTokenClassification':
        out['logits'] = linear(sd, 'classifier.', h)
    return out

def mpnet_shapes(f):
    c, arch = f['cfg'], f['architecture']
    H, I, V, L = c['hidden'], c['inter'], c['vocab'], c['labels']
    p = '' if arch == 'MPNetModel' else 'mpnet.'
    t = {}
    def lin(n, o, i): t[n + 'weight'] = [o, i]; t[n + 'bias'] = [o]
    def ln(n): t[n + 'weight'] = [H]; t[n + 'bias'] = [H]
    t[p + 'embeddings.word_embeddings.weight'] = [V, H]
    t[p + 'embeddings.position_embeddings.weight'] = [c['positions'], H]
    ln(p + 'embeddings.LayerNorm.')
    t[p + 'encoder.relative_attention_bias.weight'] = [c['buckets'], c['heads']]
    for i in range(c['layers']):
        q = f'{p}encoder.layer.{i}.'
        for n in 'qkvo': lin(f'{q}attention.attn.{n}.', H, H)
        ln(q + 'attention.LayerNorm.')
        lin(q + 'intermediate.dense.', I, H)
        lin(q + 'output.dense.', H, I)
        ln(q + 'output.LayerNorm.')
    if arch == 'MPNetModel': lin('pooler.dense.', H, H)
    if arch == 'MPNetForMaskedLM': lin('lm_head.dense.', H, H); ln('lm_head.layer_norm.'); t['lm_head.bias'] = [V]
    if arch == 'MPNetForSequenceClassification': lin('classifier.dense.', H, H); lin('classifier.out_proj.', L, H)
    if arch == 'MPNetForTokenClassification': lin('classifier.', L, H)
    return p, t

def mpnet_config(f):
    c = f['cfg']
    return dict(vocab_size=c['vocab'], hidden_size=c['hidden'], num_hidden_layers=c['layers'], num_attention_heads=c['heads'],
                intermediate_size=c['inter'], hidden_act=c['act'], max_position_embeddings=c['positions'],
                layer_norm_eps=c['eps'], relative_attention_num_buckets=c['buckets'], pad_token_id=1, bos_token_id=0, eos_token_id=2)

# ---------------------------------------------------------------------------------------------------------
# ModernBERT (modular_modernbert.py): pre-LN, fused QKV, RoPE, alternating global / sliding-window layers, GLU

def modernbert_local(c, i):
    """ModernBertAttention: a layer is local (sliding window) when layer_id % global_attn_every_n_layers != 0."""
    return i % c['every'] != 0

def modernbert_masks(c, mask):
    """Global layers: the padded keys get the float64 minimum. Local layers: also every key with |i - j| >
    local_attention // 2 (create_bidirectional_sliding_window_mask, config.sliding_window = local_attention // 2).
    A query row whose window holds no valid key is all minimum: softmax makes it uniform over all S keys."""
    S = mask.shape[1]
    keys = mask.bool()[:, None, None, :]
    idx = torch.arange(S)
    window = ((idx[:, None] - idx[None, :]).abs() <= c['window'] // 2)[None, None]
    return torch.where(keys, 0.0, MIN).expand(-1, 1, S, S), torch.where(keys & window, 0.0, MIN)

def modernbert_backbone(f, sd, p, ids, mask, types):
    c = f['cfg']
    B, S = ids.shape
    H, nh = c['hidden'], c['heads']
    d = H // nh
    x = norm(sd, p + 'embeddings.norm.', sd[p + 'embeddings.tok_embeddings.weight'][ids], c['eps'])
    global_add, local_add = modernbert_masks(c, mask)
    tables = {False: rope_tables(c['global_theta'], d, S), True: rope_tables(c['local_theta'], d, S)}
    maps = []
    for i in range(c['layers']):
        q = f'{p}layers.{i}.'
        local = modernbert_local(c, i)
        h = x if i == 0 else norm(sd, q + 'attn_norm.', x, c['eps'])  # layer 0's attn_norm is nn.Identity
        qkv = linear(sd, q + 'attn.Wqkv.', h).view(B, S, 3, nh, d)
        qs, ks, vs = (t.transpose(1, 2) for t in qkv.unbind(dim=2))  # rows: all of q, then k, then v
        cos, sin = tables[local]
        ctx, probs = attend(rope(qs, cos, sin), rope(ks, cos, sin), vs, local_add if local else global_add)
        x = x + linear(sd, q + 'attn.Wo.', ctx)
        inp, gate = linear(sd, q + 'mlp.Wi.', norm(sd, q + 'mlp_norm.', x, c['eps'])).chunk(2, dim=-1)
        x = x + linear(sd, q + 'mlp.Wo.', ACTS[c['act']](inp) * gate)  # the first half is activated
        maps.append(probs)
    return norm(sd, p + 'final_norm.', x, c['eps']), maps

def modernbert_heads(f, sd, p, h, mask):
    arch, c, out = f['architecture'], f['cfg'], {}
    def head(x):  # ModernBertPredictionHead: norm(act(dense(x)))
        return norm(sd, 'head.norm.', ACTS[c['cls_act']](linear(sd, 'head.dense.', x)), c['eps'])
    if arch == 'ModernBertForMaskedLM':
        logits = head(h) @ sd[p + 'embeddings.tok_embeddings.weight'].T
        out['logits'] = logits + sd['decoder.bias'] if 'decoder.bias' in sd else logits
    elif arch == 'ModernBertForSequenceClassification':
        if c['pooling'] == 'cls':
            pooled = h[:, 0]
        else:  # mean over the attended tokens
            m = mask.to(h.dtype)
            pooled = (h * m[..., None]).sum(dim=1) / m.sum(dim=1, keepdim=True)
        out['logits'] = linear(sd, 'classifier.', head(pooled))
    elif arch == 'ModernBertForTokenClassification':
        out['logits'] = linear(sd, 'classifier.', head(h))
    return out

def modernbert_shapes(f):
    c, arch = f['cfg'], f['architecture']
    H, I, V, L = c['hidden'], c['inter'], c['vocab'], c['labels']
    p = '' if arch == 'ModernBertModel' else 'model.'
    t = {}
    def lin(n, o, i, bias): t[n + 'weight'] = [o, i]; t.update({n + 'bias': [o]} if bias else {})
    def ln(n): t[n + 'weight'] = [H]; t.update({n + 'bias': [H]} if c['norm_bias'] else {})
    t[p + 'embeddings.tok_embeddings.weight'] = [V, H]
    ln(p + 'embeddings.norm.')
    for i in range(c['layers']):
        q = f'{p}layers.{i}.'
        if i > 0: ln(q + 'attn_norm.')
        lin(q + 'attn.Wqkv.', 3 * H, H, c['attention_bias'])
        lin(q + 'attn.Wo.', H, H, c['attention_bias'])
        ln(q + 'mlp_norm.')
        lin(q + 'mlp.Wi.', 2 * I, H, c['mlp_bias'])
        lin(q + 'mlp.Wo.', H, I, c['mlp_bias'])
    ln(p + 'final_norm.')
    if arch != 'ModernBertModel':
        lin('head.dense.', H, H, c['classifier_bias'])
        ln('head.norm.')
    if arch == 'ModernBertForMaskedLM' and c['decoder_bias']: t['decoder.bias'] = [V]
    if arch in ('ModernBertForSequenceClassification', 'ModernBertForTokenClassification'): lin('classifier.', L, H, True)
    return p, t

def modernbert_config(f):
    c = f['cfg']
    out = dict(vocab_size=c['vocab'], hidden_size=c['hidden'], num_hidden_layers=c['layers'], num_attention_heads=c['heads'],
               intermediate_size=c['inter'], hidden_activation=c['act'], max_position_embeddings=c['positions'],
               norm_eps=c['eps'], norm_bias=c['norm_bias'], local_attention=c['window'], global_attn_every_n_layers=c['every'],
               attention_bias=c['attention_bias'], mlp_bias=c['mlp_bias'], classifier_pooling=c['pooling'],
               classifier_activation=c['cls_act'], classifier_bias=c['classifier_bias'], decoder_bias=c['decoder_bias'],
               tie_word_embeddings=True, pad_token_id=0, bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)
    if c.get('new_format'):  # what save_pretrained writes today: layer_types + rope_parameters, no *_rope_theta
        out['layer_types'] = ['sliding_attention' if modernbert_local(c, i) else 'full_attention' for i in range(c['layers'])]
        out['rope_parameters'] = {'full_attention': {'rope_type': 'default', 'rope_theta': c['global_theta']},
                                  'sliding_attention': {'rope_type': 'default', 'rope_theta': c['local_theta']}}
    else:  # the hub's configs (answerdotai/ModernBERT-base)
        out.update(global_rope_theta=c['global_theta'], local_rope_theta=c['local_theta'])
    return out

# ---------------------------------------------------------------------------------------------------------
# NomicBERT (modular_nomic_bert.py on JinaEmbeddingsV3): post-LN, RoPE, bias-free q/k/v/o and gated MLP

def nomic_backbone(f, sd, p, ids, mask, types):
    c = f['cfg']
    S = ids.shape[1]
    d = c['hidden'] // c['heads']
    x = sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.token_type_embeddings.weight'][types]
    x = norm(sd, p + 'embeddings.LayerNorm.', x, c['eps'])  # no position table: positions only through RoPE
    add, (cos, sin), maps = key_mask(mask), rope_tables(c['theta'], d, S), []
    for i in range(c['layers']):
        q = f'{p}layers.{i}.'
        qs, ks, vs = (heads_split(linear(sd, f'{q}self_attn.{n}_proj.', x), c['heads']) for n in 'qkv')
        ctx, probs = attend(rope(qs, cos, sin), rope(ks, cos, sin), vs, add)
        x = norm(sd, q + 'post_attention_layernorm.', x + linear(sd, q + 'self_attn.o_proj.', ctx), c['eps'])
        act = ACTS[c['act']]
        m = linear(sd, q + 'mlp.down_proj.', act(linear(sd, q + 'mlp.gate_proj.', x)) * linear(sd, q + 'mlp.up_proj.', x))
        x = norm(sd, q + 'post_mlp_layernorm.', x + m, c['eps'])
        maps.append(probs)
    return x, maps

def nomic_heads(f, sd, p, h, mask):
    arch, c, out = f['architecture'], f['cfg'], {}
    if p + 'pooler.dense.weight' in sd:
        out['pooler_output'] = torch.tanh(linear(sd, p + 'pooler.dense.', h[:, 0]))
    if arch == 'NomicBertForMaskedLM':  # BERT's LM head, its act = ACT2FN[hidden_act], its LayerNorm named layer_norm
        t = norm(sd, 'cls.predictions.transform.layer_norm.', ACTS[c['act']](linear(sd, 'cls.predictions.transform.dense.', h)), c['eps'])
        out['logits'] = t @ sd[p + 'embeddings.word_embeddings.weight'].T + sd['cls.predictions.bias']
    elif arch == 'NomicBertForSequenceClassification':  # BERT's: classifier(pooler_output)
        out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
    elif arch == 'NomicBertForTokenClassification':
        out['logits'] = linear(sd, 'classifier.', h)
    return out

def nomic_shapes(f):
    c, arch = f['cfg'], f['architecture']
    H, I, V, L = c['hidden'], c['inter'], c['vocab'], c['labels']
    p = '' if arch == 'NomicBertModel' else 'nomic_bert.'
    t = {}
    def ln(n): t[n + 'weight'] = [H]; t[n + 'bias'] = [H]
    t[p + 'embeddings.word_embeddings.weight'] = [V, H]
    t[p + 'embeddings.token_type_embeddings.weight'] = [c['types'], H]
    ln(p + 'embeddings.LayerNorm.')
    for i in range(c['layers']):
        q = f'{p}layers.{i}.'
        for n in 'qkvo': t[f'{q}self_attn.{n}_proj.weight'] = [H, H]
        ln(q + 'post_attention_layernorm.')
        t[q + 'mlp.gate_proj.weight'] = [I, H]
        t[q + 'mlp.up_proj.weight'] = [I, H]
        t[q + 'mlp.down_proj.weight'] = [H, I]
        ln(q + 'post_mlp_layernorm.')
    # NomicBertModel's add_pooling_layer defaults to False; ForSequenceClassification builds it with the pooler.
    if arch == 'NomicBertForSequenceClassification':
        t[p + 'pooler.dense.weight'] = [H, H]; t[p + 'pooler.dense.bias'] = [H]
        t['classifier.weight'] = [L, H]; t['classifier.bias'] = [L]
    if arch == 'NomicBertForTokenClassification':
        t['classifier.weight'] = [L, H]; t['classifier.bias'] = [L]
    if arch == 'NomicBertForMaskedLM':
        t['cls.predictions.transform.dense.weight'] = [H, H]; t['cls.predictions.transform.dense.bias'] = [H]
        ln('cls.predictions.transform.layer_norm.')
        t['cls.predictions.bias'] = [V]
    return p, t

def nomic_config(f):
    c = f['cfg']
    return dict(vocab_size=c['vocab'], hidden_size=c['hidden'], num_hidden_layers=c['layers'], num_attention_heads=c['heads'],
                head_dim=c['hidden'] // c['heads'], intermediate_size=c['inter'], hidden_act=c['act'],
                max_position_embeddings=c['positions'], layer_norm_eps=c['eps'], type_vocab_size=c['types'], pad_token_id=0,
                rope_parameters={'rope_type': 'default', 'rope_theta': c['theta']}, tie_word_embeddings=True)

# ---------------------------------------------------------------------------------------------------------
# Weights, configs, inputs

FAMILIES = {
    'mpnet': (mpnet_shapes, mpnet_backbone, mpnet_heads, mpnet_config),
    'modernbert': (modernbert_shapes, modernbert_backbone, modernbert_heads, modernbert_config),
    'nomic_bert': (nomic_shapes, nomic_backbone, nomic_heads, nomic_config),
}

def is_norm(name):
    """A LayerNorm's gamma or beta: the module holding it is called *norm* (LayerNorm, layer_norm, norm,
    attn_norm, mlp_norm, final_norm, post_attention_layernorm, post_mlp_layernorm, ...)."""
    parts = name.split('.')
    return len(parts) >= 2 and 'norm' in parts[-2].lower()

def random_weights(shapes, seed):
    """family_fixtures.random_weights' convention with these families' norm names: weights and embeddings
    ~ N(0, 0.2^2), biases and LayerNorm beta ~ N(0, 0.1^2), gamma ~ 1 + N(0, 0.1^2), drawn in sorted name order."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for name in sorted(shapes):
        n = torch.randn(shapes[name], generator=g, dtype=torch.float32)
        if is_norm(name) and name.endswith('weight'): sd[name] = 1.0 + 0.1 * n
        elif name.endswith('bias'): sd[name] = 0.1 * n
        else: sd[name] = 0.2 * n
    return sd

def config_json(f):
    out = {'architectures': [f['architecture']], 'model_type': f['model_type'],
           'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']]}
    out.update(FAMILIES[f['family']][3](f))
    if f['architecture'].endswith(('SequenceClassification', 'TokenClassification')):
        n = f['cfg']['labels']
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(n)}
        out['label2id'] = {f'LABEL_{i}': i for i in range(n)}
    return dict(sorted(out.items()))

def family(fam, arch, dtype='F32', seed=1, **over):
    cfg = dict(vocab=96, hidden=32, layers=2, heads=4, inter=48, labels=3, act='gelu')
    model_type = {'mpnet': 'mpnet', 'modernbert': 'modernbert', 'nomic_bert': 'nomic_bert'}[fam]
    if fam == 'mpnet':
        cfg.update(positions=42, eps=1e-5, buckets=32, pad=1)
    if fam == 'modernbert':
        cfg.update(layers=3, inter=24, positions=64, eps=1e-5, pad=0, window=4, every=2, global_theta=160000.0, local_theta=10000.0,
                   norm_bias=False, attention_bias=False, mlp_bias=False, pooling='cls', cls_act='gelu', classifier_bias=False,
                   decoder_bias=True)
    if fam == 'nomic_bert':
        cfg.update(act='silu', positions=64, eps=1e-12, types=2, pad=0, theta=1000.0)
    cfg.update(over)
    return dict(family=fam, model_type=model_type, architecture=arch, dtype=dtype, seed=seed, cfg=cfg)

FIXTURES = {
    'mpnet-base': family('mpnet', 'MPNetModel', seed=81),
    'mpnet-mlm': family('mpnet', 'MPNetForMaskedLM', 'F16', seed=82),
    'mpnet-seqcls': family('mpnet', 'MPNetForSequenceClassification', seed=83),
    'mpnet-tokcls': family('mpnet', 'MPNetForTokenClassification', 'BF16', seed=84, act='gelu_new'),
    'modernbert-base': family('modernbert', 'ModernBertModel', seed=61),
    # every bias there is: norm betas, Wqkv/Wo and Wi/Wo biases, the head's dense bias, the decoder bias
    'modernbert-mlm': family('modernbert', 'ModernBertForMaskedLM', 'BF16', seed=62, norm_bias=True, attention_bias=True,
                             mlp_bias=True, classifier_bias=True),
    'modernbert-seqcls': family('modernbert', 'ModernBertForSequenceClassification', seed=63, pooling='mean'),
    'modernbert-seqcls-cls': family('modernbert', 'ModernBertForSequenceClassification', 'F16', seed=64, pooling='cls',
                                    norm_bias=True, classifier_bias=True),
    # today's save_pretrained config format (layer_types, rope_parameters) and other thetas
    'modernbert-tokcls': family('modernbert', 'ModernBertForTokenClassification', seed=65, mlp_bias=True, new_format=True,
                                global_theta=80000.0, local_theta=20000.0),
    # 2 layers (global, local), window 64 over 300 tokens: the window is what limits attention here
    'modernbert-long': family('modernbert', 'ModernBertModel', 'F16', seed=66, layers=2, window=64, positions=512, long=True),
    # ModernBERT's 8192 positions in one sequence (global + local layer, window 128): the reference keeps
    # sampled rows of the hidden state only (SAMPLED_ROWS), the engine runs it without an S x S buffer.
    'modernbert-8k': family('modernbert', 'ModernBertModel', 'F16', seed=67, layers=2, window=128, positions=8192, long=True, lengths=(8192,)),
    'nomic-bert-base': family('nomic_bert', 'NomicBertModel', seed=71),
    'nomic-bert-mlm': family('nomic_bert', 'NomicBertForMaskedLM', 'F16', seed=72, theta=10000.0),
    'nomic-bert-seqcls': family('nomic_bert', 'NomicBertForSequenceClassification', 'BF16', seed=73),
}

LENGTHS = (13, 9, 4)
LONG_LENGTHS = (300, 200)
SAMPLED_ROWS = [0, 1, 2, 3, 63, 64, 65, 127, 128, 4094, 4095, 4096, 4097, 8127, 8128, 8188, 8189, 8190, 8191]

def inputs(f):
    """family_fixtures.inputs' batch: three sequences of 13 tokens, the second padded after 9, the third after 4;
    MPNet's third is left-padded and its first holds an attended pad id (as RoBERTa's). NomicBERT takes token
    types (BERT's pattern). modernbert-long: two sequences of 300, the second padded after 200."""
    c = f['cfg']
    g = torch.Generator().manual_seed(1000 + f['seed'])
    lengths = c.get('lengths') or (LONG_LENGTHS if c.get('long') else LENGTHS)
    B, S = len(lengths), lengths[0]
    ids = torch.randint(3, c['vocab'], (B, S), generator=g)
    ids[ids == c['pad']] = c['pad'] + 2
    mask = torch.zeros(B, S, dtype=torch.long)
    for b, n in enumerate(lengths):
        if f['family'] == 'mpnet' and b == 2:
            mask[b, S - n:] = 1
        else:
            mask[b, :n] = 1
    ids[mask == 0] = c['pad']
    if f['family'] == 'mpnet':
        ids[0, 6] = c['pad']  # attended, and keeps position padding_idx
    types = torch.zeros(B, S, dtype=torch.long)
    if c.get('types', 0) > 1:
        types[0, 7:] = 1
        types[1, 5:9] = 1
    return ids, mask, types

def nested7(t):
    return [nested7(x) for x in t] if t.dim() > 0 else float(f'{t.item():.7g}')

# ---------------------------------------------------------------------------------------------------------
# Run, check, write

def forward(f, sd, p, ids, mask, types):
    _, backbone, heads, _ = FAMILIES[f['family']]
    h, maps = backbone(f, sd, p, ids, mask, types)
    return h, maps, heads(f, sd, p, h, mask)

def sanity(name, f, mask, h, maps, out):
    """Every output finite; every attention row sums to 1; valid query rows give padded keys exactly 0 and,
    in ModernBERT's local layers, every key outside the window exactly 0."""
    for k, v in [('last_hidden_state', h), *out.items()]:
        assert torch.isfinite(v).all(), f'{name}: {k} has NaN/inf'
    S = mask.shape[1]
    idx = torch.arange(S)
    for i, probs in enumerate(maps):
        assert torch.isfinite(probs).all(), f'{name}: layer {i} maps not finite'
        assert (probs.sum(-1) - 1).abs().max() < 1e-12, f'{name}: layer {i} rows do not sum to 1'
        valid_q = mask.bool()[:, None, :, None]
        bad = ~mask.bool()[:, None, None, :]
        if f['family'] == 'modernbert' and modernbert_local(f['cfg'], i):
            bad = bad | ((idx[:, None] - idx[None, :]).abs() > f['cfg']['window'] // 2)[None, None]
        leak = probs.masked_fill(~(valid_q & bad), 0).abs().max()
        assert leak == 0, f'{name}: layer {i} gives masked keys {leak}'

def make(name, f, out_dir, debug=False):
    shapes, *_ = FAMILIES[f['family']]
    p, t = shapes(f)
    sd32 = random_weights(t, f['seed'])
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, 'model.safetensors'), sd32, f['dtype'])
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(config_json(f), fh, indent=2)
        fh.write('\n')
    # The reference runs the stored values: rounded to the storage dtype, then widened to float64.
    sd = {k: v.to(DTYPES[f['dtype']]).to(torch.float64) for k, v in sd32.items()}
    ids, mask, types = inputs(f)
    h, maps, heads = forward(f, sd, p, ids, mask, types)
    sanity(name, f, mask, h, maps, heads)
    if debug and f['family'] == 'modernbert' and not f['cfg'].get('long'):
        torch.set_printoptions(precision=3, linewidth=200, sci_mode=False)
        print(f'{name}: layer 1 (local, window +-{f["cfg"]["window"] // 2}) head 0, sequence 1 (9 tokens):\n{maps[1][1, 0]}')
    long = f['cfg'].get('long')
    out = {'last_hidden_state': h} if long else {'last_hidden_state': h, 'attentions_layer0': maps[0], **heads}
    if f['cfg'].get('lengths'):  # one long sequence: sampled rows only
        out = {'last_hidden_state_rows': h[0, SAMPLED_ROWS]}
    ref = {'family': f['family'], 'architecture': f['architecture'], 'dtype': f['dtype'],
           'input_ids': ids.tolist(), 'attention_mask': mask.tolist()}
    if f['family'] == 'nomic_bert': ref['token_type_ids'] = types.tolist()
    ref.update({k: (nested7 if long else nested)(v) for k, v in out.items()})
    if f['cfg'].get('lengths'): ref['sampled_rows'] = SAMPLED_ROWS
    with open(os.path.join(folder, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')
    return f, sd, p, (ids, mask, types), out

def main():
    global ROPE_FP32
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'fixtures', 'families'))
    ap.add_argument('--only', nargs='*', help='fixture names')
    ap.add_argument('--rope-fp32-diff', action='store_true', help="also run with transformers' float32 RoPE tables and print the largest difference")
    ap.add_argument('--debug', action='store_true', help="print a ModernBERT local layer's attention map")
    args = ap.parse_args()
    for name in args.only or list(FIXTURES):
        f, sd, p, (ids, mask, types), ours = make(name, FIXTURES[name], args.out, args.debug)
        line = f'{name}: {", ".join(ours)}'
        if args.rope_fp32_diff and f['family'] != 'mpnet':
            ROPE_FP32 = True
            h, maps, heads = forward(f, sd, p, ids, mask, types)
            ROPE_FP32 = False
            theirs = {'last_hidden_state': h, 'attentions_layer0': maps[0], **heads}
            diffs = []
            for k, v in ours.items():
                a, b = v, theirs[k]
                rel = float((a - b).abs().max() / b.abs().max())
                diffs.append(f'{k} {float((a - b).abs().max()):.1e} (rel {rel:.1e})')
            line += '  | float32 RoPE tables: ' + ', '.join(diffs)
        print(line)

if __name__ == '__main__':
    main()
