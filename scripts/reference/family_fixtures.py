#!/usr/bin/env python3
"""Reference checkpoints for every model family, written and run by PyTorch in float64.

Each fixture is a random-weight checkpoint in Hugging Face layout (config.json + model.safetensors, names as
transformers' save_pretrained writes them for that architecture) and reference.json: a padded batch of three
sequences and the outputs of the forward, computed here in float64 from the transformers equations (written
out below, not imported). The engine's tests hold its outputs to these.

    /usr/bin/python3 scripts/reference/family_fixtures.py [--out tests/fixtures/families] [--check]

Needs torch (Debian's python3-torch). --check also loads every fixture with the transformers library, when it
is importable, runs the same inputs in float64 and prints the largest difference per output: a second,
independent implementation of the same equations.
"""
import argparse, json, math, os, struct, sys

import torch

torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------------------------------------------------
# The equations (transformers' modeling_bert / _distilbert / _roberta / _electra, eval mode, float64)

def gelu(x):  # ACT2FN["gelu"]: the exact erf form
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

def gelu_tanh(x):  # gelu_new / gelu_pytorch_tanh
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

ACT = {'gelu': gelu, 'gelu_new': gelu_tanh, 'relu': torch.relu, 'silu': lambda x: x * torch.sigmoid(x)}

def linear(sd, prefix, x):
    return x @ sd[prefix + 'weight'].T + sd[prefix + 'bias']

def layer_norm(sd, prefix, x, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * sd[prefix + 'weight'] + sd[prefix + 'bias']

def attention(sd, names, x, mask, heads):
    """Multi-head self-attention; names are the query, key, value prefixes. Returns context and probabilities."""
    B, S, H = x.shape
    d = H // heads
    split = lambda t: t.view(B, S, heads, d).transpose(1, 2)
    q, k, v = (split(linear(sd, n, x)) for n in names)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    # transformers adds finfo.min on padded keys (key axis only).
    scores = scores + (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float64).min
    probs = torch.softmax(scores, dim=-1)
    return (probs @ v).transpose(1, 2).reshape(B, S, H), probs

def post_ln_layer(sd, p, x, mask, cfg, names):
    """BertLayer / TransformerBlock: x1 = LN(x + attn), x2 = LN(x1 + ffn(x1))."""
    ctx, probs = attention(sd, [p + names['q'], p + names['k'], p + names['v']], x, mask, cfg['heads'])
    x1 = layer_norm(sd, p + names['attn_ln'], linear(sd, p + names['attn_out'], ctx) + x, cfg['eps'])
    inter = ACT[cfg['act']](linear(sd, p + names['ffn_in'], x1))
    return layer_norm(sd, p + names['ffn_ln'], linear(sd, p + names['ffn_out'], inter) + x1, cfg['eps']), probs

BERT_NAMES = dict(q='attention.self.query.', k='attention.self.key.', v='attention.self.value.',
                  attn_out='attention.output.dense.', attn_ln='attention.output.LayerNorm.',
                  ffn_in='intermediate.dense.', ffn_out='output.dense.', ffn_ln='output.LayerNorm.')
DISTIL_NAMES = dict(q='attention.q_lin.', k='attention.k_lin.', v='attention.v_lin.', attn_out='attention.out_lin.',
                    attn_ln='sa_layer_norm.', ffn_in='ffn.lin1.', ffn_out='ffn.lin2.', ffn_ln='output_layer_norm.')

def roberta_positions(ids, pad):
    """create_position_ids_from_input_ids: padding_idx + running count of non-pad ids; pads get padding_idx."""
    m = (ids != pad).long()
    return torch.cumsum(m, dim=1) * m + pad

def backbone(f, sd, p, ids, mask, types):
    """Embeddings and encoder of family f under prefix p: (last hidden state, layer-0 attention probabilities)."""
    cfg = f['cfg']
    B, S = ids.shape
    if f['family'] == 'distilbert':
        x = sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.position_embeddings.weight'][torch.arange(S)][None]
        x = layer_norm(sd, p + 'embeddings.LayerNorm.', x, cfg['eps'])
        layers, names = p + 'transformer.layer.', DISTIL_NAMES
    else:
        pos = roberta_positions(ids, cfg['pad']) if f['family'] == 'roberta' else torch.arange(S)[None].expand(B, S)
        x = (sd[p + 'embeddings.word_embeddings.weight'][ids] + sd[p + 'embeddings.token_type_embeddings.weight'][types]
             + sd[p + 'embeddings.position_embeddings.weight'][pos])
        x = layer_norm(sd, p + 'embeddings.LayerNorm.', x, cfg['eps'])
        if p + 'embeddings_project.weight' in sd:
            x = linear(sd, p + 'embeddings_project.', x)
        layers, names = p + 'encoder.layer.', BERT_NAMES
    first = None
    for i in range(cfg['layers']):
        x, probs = post_ln_layer(sd, f'{layers}{i}.', x, mask, cfg, names)
        first = probs if first is None else first
    return x, first

def heads(f, sd, p, h):
    """The architecture's outputs from the last hidden state h, named as transformers names them."""
    cfg, arch, out = f['cfg'], f['architecture'], {}
    first = h[:, 0]
    tanh = torch.tanh
    if p + 'pooler.dense.weight' in sd:
        out['pooler_output'] = tanh(linear(sd, p + 'pooler.dense.', first))
    if arch.endswith('ForSequenceClassification'):
        if f['family'] == 'bert':
            out['logits'] = linear(sd, 'classifier.', out['pooler_output'])
        elif f['family'] == 'distilbert':
            out['logits'] = linear(sd, 'classifier.', torch.relu(linear(sd, 'pre_classifier.', first)))
        else:  # RobertaClassificationHead: tanh; ElectraClassificationHead: gelu
            act = tanh if f['family'] == 'roberta' else gelu
            out['logits'] = linear(sd, 'classifier.out_proj.', act(linear(sd, 'classifier.dense.', first)))
    elif arch.endswith('ForTokenClassification'):
        out['logits'] = linear(sd, 'classifier.', h)
    elif arch.endswith('ForQuestionAnswering'):
        qa = linear(sd, 'qa_outputs.', h)
        out['start_logits'], out['end_logits'] = qa[..., 0], qa[..., 1]
    elif arch == 'ElectraForPreTraining':
        d = ACT[cfg['act']](linear(sd, 'discriminator_predictions.dense.', h))
        out['logits'] = linear(sd, 'discriminator_predictions.dense_prediction.', d)[..., 0]
    elif arch.endswith('ForMaskedLM'):
        word = sd[p + 'embeddings.word_embeddings.weight']
        if f['family'] == 'bert':
            t = layer_norm(sd, 'cls.predictions.transform.LayerNorm.', ACT[cfg['act']](linear(sd, 'cls.predictions.transform.dense.', h)), cfg['eps'])
            out['logits'] = t @ word.T + sd['cls.predictions.bias']
        elif f['family'] == 'distilbert':
            t = layer_norm(sd, 'vocab_layer_norm.', ACT[cfg['act']](linear(sd, 'vocab_transform.', h)), cfg['eps'])
            out['logits'] = t @ word.T + sd['vocab_projector.bias']
        elif f['family'] == 'roberta':  # RobertaLMHead: always the erf GELU
            t = layer_norm(sd, 'lm_head.layer_norm.', gelu(linear(sd, 'lm_head.dense.', h)), cfg['eps'])
            out['logits'] = t @ word.T + sd['lm_head.bias']
        else:  # ElectraGeneratorPredictions: gelu, LayerNorm at embedding_size, then the tied generator_lm_head
            t = layer_norm(sd, 'generator_predictions.LayerNorm.', gelu(linear(sd, 'generator_predictions.dense.', h)), cfg['eps'])
            out['logits'] = t @ word.T + sd['generator_lm_head.bias']
    return out

# ---------------------------------------------------------------------------------------------------------
# Checkpoints: the tensors transformers' save_pretrained writes for each architecture (tied decoders left out)

def tensor_shapes(f):
    c, fam, arch = f['cfg'], f['family'], f['architecture']
    H, I, V, L, E = c['hidden'], c['inter'], c['vocab'], c['labels'], c.get('embedding', c['hidden'])
    base = arch.endswith('Model')
    p = '' if base else {'bert': 'bert.', 'distilbert': 'distilbert.', 'roberta': 'roberta.', 'electra': 'electra.'}[fam]
    t = {}
    def lin(name, o, i): t[name + 'weight'] = [o, i]; t[name + 'bias'] = [o]
    def ln(name, n): t[name + 'weight'] = [n]; t[name + 'bias'] = [n]
    t[p + 'embeddings.word_embeddings.weight'] = [V, E]
    t[p + 'embeddings.position_embeddings.weight'] = [c['positions'], E]
    if fam != 'distilbert':
        t[p + 'embeddings.token_type_embeddings.weight'] = [c['types'], E]
    ln(p + 'embeddings.LayerNorm.', E)
    if fam == 'electra' and E != H:
        lin(p + 'embeddings_project.', H, E)
    names, layers = (DISTIL_NAMES, 'transformer.layer.') if fam == 'distilbert' else (BERT_NAMES, 'encoder.layer.')
    for i in range(c['layers']):
        q = f'{p}{layers}{i}.'
        for n in ('q', 'k', 'v', 'attn_out'): lin(q + names[n], H, H)
        ln(q + names['attn_ln'], H)
        lin(q + names['ffn_in'], I, H)
        lin(q + names['ffn_out'], H, I)
        ln(q + names['ffn_ln'], H)
    # Poolers exist in BertModel / RobertaModel and BertForSequenceClassification only (add_pooling_layer).
    if (base and fam in ('bert', 'roberta')) or arch == 'BertForSequenceClassification':
        lin(p + 'pooler.dense.', H, H)
    if arch.endswith('ForSequenceClassification'):
        if fam == 'bert': lin('classifier.', L, H)
        elif fam == 'distilbert': lin('pre_classifier.', H, H); lin('classifier.', L, H)
        else: lin('classifier.dense.', H, H); lin('classifier.out_proj.', L, H)
    if arch.endswith('ForTokenClassification'): lin('classifier.', L, H)
    if arch.endswith('ForQuestionAnswering'): lin('qa_outputs.', 2, H)
    if arch == 'ElectraForPreTraining': lin('discriminator_predictions.dense.', H, H); lin('discriminator_predictions.dense_prediction.', 1, H)
    if arch.endswith('ForMaskedLM'):
        if fam == 'bert': lin('cls.predictions.transform.dense.', H, H); ln('cls.predictions.transform.LayerNorm.', H); t['cls.predictions.bias'] = [V]
        elif fam == 'distilbert': lin('vocab_transform.', H, H); ln('vocab_layer_norm.', H); t['vocab_projector.bias'] = [V]
        elif fam == 'roberta': lin('lm_head.dense.', H, H); ln('lm_head.layer_norm.', H); t['lm_head.bias'] = [V]
        else: lin('generator_predictions.dense.', E, H); ln('generator_predictions.LayerNorm.', E); t['generator_lm_head.bias'] = [V]
    return p, t

def random_weights(shapes, seed, sinusoidal=None):
    """Weights and embeddings ~ N(0, 0.2^2), biases and LayerNorm beta ~ N(0, 0.1^2), gamma ~ 1 + N(0, 0.1^2):
    large enough that every term shows in the outputs, none exactly 0 or 1 (a dropped bias must fail)."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for name in sorted(shapes):
        shape = shapes[name]
        n = torch.randn(shape, generator=g, dtype=torch.float32)
        ln = 'LayerNorm' in name or 'layer_norm' in name
        if ln and name.endswith('weight'): v = 1.0 + 0.1 * n
        elif name.endswith('bias'): v = 0.1 * n
        else: v = 0.2 * n
        sd[name] = v
    if sinusoidal:
        sd[sinusoidal] = sinusoidal_table(*shapes[sinusoidal])
    return sd

def sinusoidal_table(n_pos, dim):
    """transformers' create_sinusoidal_embeddings: sin in even columns, cos in odd, angles in float64."""
    pos = torch.arange(n_pos, dtype=torch.float64)[:, None]
    j = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * torch.div(j, 2, rounding_mode='floor') / dim)
    out = torch.where(j.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return out.to(torch.float32)

DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}

def write_safetensors(path, tensors, dtype):
    """The safetensors layout: u64 header length, JSON header, then the tensors back to back."""
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].to(DTYPES[dtype]).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if dtype == 'BF16' else t.numpy().tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<Q', len(text)))
        fh.write(text)
        for b in blobs: fh.write(b)

def config_json(f):
    c, fam = f['cfg'], f['family']
    out = {'architectures': [f['architecture']], 'model_type': f['model_type'], 'torch_dtype': {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[f['dtype']]}
    if fam == 'distilbert':
        out.update(vocab_size=c['vocab'], dim=c['hidden'], n_layers=c['layers'], n_heads=c['heads'], hidden_dim=c['inter'],
                   max_position_embeddings=c['positions'], activation=c['act'], sinusoidal_pos_embds=c.get('sinusoidal', False), pad_token_id=c['pad'])
    else:
        out.update(vocab_size=c['vocab'], hidden_size=c['hidden'], num_hidden_layers=c['layers'], num_attention_heads=c['heads'],
                   intermediate_size=c['inter'], hidden_act=c['act'], max_position_embeddings=c['positions'],
                   type_vocab_size=c['types'], layer_norm_eps=c['eps'], pad_token_id=c['pad'])
        if fam == 'electra': out['embedding_size'] = c['embedding']
        if fam == 'roberta': out.update(bos_token_id=0, eos_token_id=2)
    if f['architecture'].endswith(('SequenceClassification', 'TokenClassification')):
        out['id2label'] = {str(i): f'LABEL_{i}' for i in range(c['labels'])}
        out['label2id'] = {f'LABEL_{i}': i for i in range(c['labels'])}
    return dict(sorted(out.items()))

# ---------------------------------------------------------------------------------------------------------
# The fixtures: every family, every head, F32/F16/BF16 storage

def family(fam, model_type, arch, dtype='F32', seed=1, **over):
    cfg = dict(vocab=96, hidden=32, layers=2, heads=4, inter=48, positions=40, types=2, eps=1e-12, act='gelu', pad=0, labels=3)
    if fam == 'roberta': cfg.update(positions=42, types=1, eps=1e-5, pad=1)
    if fam == 'electra': cfg.update(embedding=16, eps=1e-12)
    if fam == 'distilbert': cfg.update(types=0)
    cfg.update(over)
    return dict(family=fam, model_type=model_type, architecture=arch, dtype=dtype, seed=seed, cfg=cfg)

FIXTURES = {
    'bert-seqcls': family('bert', 'bert', 'BertForSequenceClassification', seed=11),
    'bert-tokcls': family('bert', 'bert', 'BertForTokenClassification', 'F16', seed=12, act='gelu_new'),
    'bert-qa': family('bert', 'bert', 'BertForQuestionAnswering', 'BF16', seed=13),
    'distilbert-base': family('distilbert', 'distilbert', 'DistilBertModel', seed=21, sinusoidal=True),
    'distilbert-mlm': family('distilbert', 'distilbert', 'DistilBertForMaskedLM', 'F16', seed=22),
    'distilbert-seqcls': family('distilbert', 'distilbert', 'DistilBertForSequenceClassification', seed=23, act='relu'),
    'distilbert-tokcls': family('distilbert', 'distilbert', 'DistilBertForTokenClassification', 'BF16', seed=24),
    'distilbert-qa': family('distilbert', 'distilbert', 'DistilBertForQuestionAnswering', seed=25),
    'roberta-base': family('roberta', 'roberta', 'RobertaModel', seed=31),
    'roberta-mlm': family('roberta', 'roberta', 'RobertaForMaskedLM', seed=32, act='gelu_new'),
    'roberta-seqcls': family('roberta', 'roberta', 'RobertaForSequenceClassification', 'F16', seed=33),
    'roberta-tokcls': family('roberta', 'roberta', 'RobertaForTokenClassification', seed=34),
    'roberta-qa': family('roberta', 'roberta', 'RobertaForQuestionAnswering', 'BF16', seed=35),
    'xlm-roberta-mlm': family('roberta', 'xlm-roberta', 'XLMRobertaForMaskedLM', 'BF16', seed=36),
    'camembert-seqcls': family('roberta', 'camembert', 'CamembertForSequenceClassification', seed=37, types=2),
    'electra-discriminator': family('electra', 'electra', 'ElectraForPreTraining', seed=41),
    'electra-generator': family('electra', 'electra', 'ElectraForMaskedLM', 'F16', seed=42),
    'electra-seqcls': family('electra', 'electra', 'ElectraForSequenceClassification', seed=43, embedding=32),
    'electra-tokcls': family('electra', 'electra', 'ElectraForTokenClassification', 'BF16', seed=44, act='relu'),
    'electra-qa': family('electra', 'electra', 'ElectraForQuestionAnswering', seed=45),
    # XLM-R's width with a small vocabulary: the tests grow its table to XLM-R's 250,002 rows (only the rows the
    # inputs use matter, and their MLM logits columns) and check the big table against this reference.
    'xlm-roberta-h768': family('roberta', 'xlm-roberta', 'XLMRobertaForMaskedLM', 'F16', seed=38, vocab=64, hidden=768, heads=12, layers=1, inter=96),
}

LENGTHS = (13, 9, 4)

def inputs(f):
    """Three sequences of 13 tokens: full, padded after 9, and padded before 4 real tokens (left padding) for RoBERTa."""
    c = f['cfg']
    g = torch.Generator().manual_seed(1000 + f['seed'])
    B, S = len(LENGTHS), LENGTHS[0]
    ids = torch.randint(3, c['vocab'], (B, S), generator=g)
    ids[ids == c['pad']] = c['pad'] + 2
    mask = torch.zeros(B, S, dtype=torch.long)
    for b, n in enumerate(LENGTHS):
        if f['family'] == 'roberta' and b == 2:
            mask[b, S - n:] = 1
        else:
            mask[b, :n] = 1
    ids[mask == 0] = c['pad']
    if f['family'] == 'roberta':
        ids[0, 6] = c['pad']  # a pad id that is attended: it keeps position padding_idx, as transformers computes it
    types = torch.zeros(B, S, dtype=torch.long)
    if c['types'] > 1:
        types[0, 7:] = 1
        types[1, 5:9] = 1
    return ids, mask, types

def nested(t):
    return [nested(x) for x in t] if t.dim() > 0 else float(f'{t.item():.12g}')

def make(name, f, out_dir):
    p, shapes = tensor_shapes(f)
    sin = f"{p}embeddings.position_embeddings.weight" if f['cfg'].get('sinusoidal') else None
    sd32 = random_weights(shapes, f['seed'], sin)
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
    ref = {'family': f['family'], 'architecture': f['architecture'], 'dtype': f['dtype'],
           'input_ids': ids.tolist(), 'attention_mask': mask.tolist()}
    if f['family'] != 'distilbert': ref['token_type_ids'] = types.tolist()
    ref.update({k: nested(v) for k, v in out.items()})
    with open(os.path.join(folder, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')
    return out

def check_with_transformers(name, f, out_dir, ours):
    """Runs the fixture with transformers' own class in float64; the largest |difference| per output."""
    import transformers
    folder = os.path.join(out_dir, name)
    cls = getattr(transformers, f['architecture'])
    model = cls.from_pretrained(folder, torch_dtype=torch.float64, attn_implementation='eager').eval()
    ids, mask, types = inputs(f)
    kwargs = dict(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    if f['family'] != 'distilbert': kwargs['token_type_ids'] = types
    with torch.no_grad():
        o = model(**kwargs)
    theirs = {'last_hidden_state': o.hidden_states[-1], 'attentions_layer0': o.attentions[0]}
    for k in ('pooler_output', 'logits', 'start_logits', 'end_logits'):
        if getattr(o, k, None) is not None: theirs[k] = getattr(o, k)
    diffs = {}
    for k, v in ours.items():
        if k in theirs:
            # Padded query rows of the attention maps are not compared: transformers' newer masks skip them.
            a, b = v, theirs[k].to(torch.float64)
            if k == 'attentions_layer0':
                keep = mask[:, None, :, None].bool().expand_as(a)
                a, b = a[keep], b[keep]
            diffs[k] = float((a - b).abs().max())
    return transformers.__version__, diffs

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'fixtures', 'families'))
    ap.add_argument('--check', action='store_true', help='also compare with the transformers library, if importable')
    ap.add_argument('--only', nargs='*', help='fixture names')
    args = ap.parse_args()
    names = args.only or list(FIXTURES)
    for name in names:
        ours = make(name, FIXTURES[name], args.out)
        line = f'{name}: {", ".join(ours)}'
        if args.check:
            version, diffs = check_with_transformers(name, FIXTURES[name], args.out, ours)
            line += f'  | transformers {version}: ' + ', '.join(f'{k} {v:.1e}' for k, v in diffs.items())
            missing = set(ours) - set(diffs) - {'pooler_output'}
            if missing: line += f' (not compared: {sorted(missing)})'
        print(line)

if __name__ == '__main__':
    main()
