#!/usr/bin/env python3
"""sentence-transformers, cross-encoder and zero-shot (NLI) reference fixtures, written and run by PyTorch in float64.

Each folder under tests/fixtures/sentence/ is a complete model folder as sentence-transformers 5.1 saves it, on
the backbone of tests/fixtures/pytorch-bert-h64 (its config, weights and tokenizer copied): modules.json,
config_sentence_transformers.json, sentence_bert_config.json, 1_Pooling/config.json, optional 2_Dense/ and a
Normalize entry; the cross-encoder and NLI folders are BertForSequenceClassification checkpoints (the h64
backbone under `bert.`, a random pooler and classifier) as CrossEncoder saves them. reference.json holds the
texts, the token ids as the pipelines feed them (tokenized by Hugging Face's Rust tokenizers through
scripts/reference/sentence_inputs.mjs) and the float64 outputs, computed here from the equations of
sentence-transformers' Pooling / Dense / Normalize, CrossEncoder.predict and transformers'
ZeroShotClassificationPipeline (written out below, not imported).

    /usr/bin/python3 scripts/reference/sentence_fixtures.py [--out tests/fixtures/sentence]
        [--st-git DIR --st-rev v5.1.0 --st-rev HEAD]

Needs torch (Debian's python3-torch) and node (the npm package `tokenizers` in node_modules). --st-git: a
sentence-transformers git directory; the Pooling / Dense / Normalize source files of each --st-rev are then
run (with stand-ins for their imports) on the same token embeddings, and the largest difference is printed.
"""
import argparse, json, math, os, shutil, struct, subprocess, sys, types

import torch

sys.path.insert(0, os.path.dirname(__file__))
from family_fixtures import backbone, linear, nested, random_weights, write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
BASE = os.path.join(ROOT, 'tests', 'fixtures', 'pytorch-bert-h64')
ST_VERSION = '5.1.0'  # the save format written here (sentence-transformers' files at tag v5.1.0)

# ---------------------------------------------------------------------------------------------------------
# The backbone: pytorch-bert-h64 (BertModel, no prefix)

DT = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}

def read_safetensors(path):
    """u64 little-endian header length, JSON header, raw little-endian data."""
    with open(path, 'rb') as fh:
        raw = fh.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data, out = raw[8 + n:], {}
    for name, info in header.items():
        if name == '__metadata__': continue
        a, b = info['data_offsets']
        buf = bytearray(data[a:b])
        if info['dtype'] == 'BF16':
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(buf, dtype=DT[info['dtype']])
        out[name] = t.reshape(info['shape']).clone()
    return out

with open(os.path.join(BASE, 'config.json')) as fh:
    BASE_CONFIG = json.load(fh)
BERT = dict(family='bert', cfg=dict(eps=BASE_CONFIG['layer_norm_eps'], layers=BASE_CONFIG['num_hidden_layers'],
                                    heads=BASE_CONFIG['num_attention_heads'], act=BASE_CONFIG['hidden_act']))
H = BASE_CONFIG['hidden_size']
BASE_WEIGHTS = read_safetensors(os.path.join(BASE, 'model.safetensors'))  # float32 as stored

def f64(sd):
    return {k: v.to(torch.float64) for k, v in sd.items()}

def encoder(sd, prefix, enc):
    ids = torch.tensor(enc['input_ids'])
    mask = torch.tensor(enc['attention_mask'])
    types = torch.tensor(enc['token_type_ids'])
    h, _ = backbone(BERT, sd, prefix, ids, mask.double(), types)
    return h, mask

# ---------------------------------------------------------------------------------------------------------
# sentence-transformers' modules (Pooling.forward, Dense.forward, Normalize.forward), float64

MODES = ('cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken')  # concatenation order
MODE_KEYS = {'cls': 'pooling_mode_cls_token', 'mean': 'pooling_mode_mean_tokens', 'max': 'pooling_mode_max_tokens',
             'mean_sqrt_len_tokens': 'pooling_mode_mean_sqrt_len_tokens',
             'weightedmean': 'pooling_mode_weightedmean_tokens', 'lasttoken': 'pooling_mode_lasttoken'}

def pooling_mask(mask, prompt_lengths, include_prompt):
    """include_prompt=False: the first prompt_length positions of each row encoded with a prompt leave the mask
    (right padding; prompt_length is per encode() call, so per row here). The encoder's own mask is unchanged."""
    m = mask.clone()
    if not include_prompt:
        for b, n in enumerate(prompt_lengths):
            if n: m[b, :n] = 0
    return m

def pool(h, m, modes):
    x, mf = h, m.double()[..., None]
    out = []
    for mode in MODES:
        if mode not in modes: continue
        if mode == 'cls':
            out.append(x[:, 0])
        elif mode == 'max':
            out.append(torch.where(mf == 0, torch.full_like(x, -1e9), x).max(dim=1).values)
        elif mode == 'mean':
            out.append((x * mf).sum(1) / torch.clamp(mf.sum(1), min=1e-9))
        elif mode == 'mean_sqrt_len_tokens':
            out.append((x * mf).sum(1) / torch.sqrt(torch.clamp(mf.sum(1), min=1e-9)))
        elif mode == 'weightedmean':
            w = torch.arange(1, x.shape[1] + 1, dtype=torch.float64)[None, :, None] * mf
            out.append((x * w).sum(1) / torch.clamp(w.sum(1), min=1e-9))
        elif mode == 'lasttoken':
            S = m.shape[1]
            last = torch.tensor([max(i for i in range(S) if m[b, i] == 1) if m[b].any() else S - 1 for b in range(m.shape[0])])
            out.append((x * mf)[torch.arange(x.shape[0]), last])
    return torch.cat(out, dim=-1)

ACTIVATIONS = {'torch.nn.modules.activation.Tanh': torch.tanh, 'torch.nn.modules.linear.Identity': lambda x: x}

def dense(sd, x, activation):
    y = x @ sd['linear.weight'].T
    if 'linear.bias' in sd: y = y + sd['linear.bias']
    return ACTIVATIONS[activation](y)

def normalize(x):  # F.normalize(p=2, dim=1): x / max(||x||_2, 1e-12)
    return x / torch.clamp(x.norm(p=2, dim=1, keepdim=True), min=1e-12)

# ---------------------------------------------------------------------------------------------------------
# The fixtures

ST_FIXTURES = {
    'st-mean-dense-normalize': dict(modes=('mean',), dense=dict(out=32, bias=True, act='torch.nn.modules.activation.Tanh', seed=61), normalize=True),
    'st-cls': dict(modes=('cls',), normalize=True),
    'st-max': dict(modes=('max',)),
    'st-mean-sqrt': dict(modes=('mean_sqrt_len_tokens',)),
    'st-weighted': dict(modes=('weightedmean',)),
    'st-lasttoken': dict(modes=('lasttoken',)),
    'st-multi': dict(modes=('cls', 'mean', 'max'), dense=dict(out=48, bias=False, act='torch.nn.modules.linear.Identity', seed=62), normalize=True),
    'st-prompt-excluded': dict(modes=('mean',), include_prompt=False),
}

SEQCLS = {
    'cross-encoder': dict(labels=['LABEL_0'], seed=51, activation='torch.nn.modules.activation.Sigmoid'),
    'nli': dict(labels=['contradiction', 'neutral', 'entailment'], seed=52, activation='torch.nn.modules.linear.Identity'),
}

def dump(path, obj, indent):
    with open(path, 'w', encoding='utf-8') as fh:
        json.dump(obj, fh, indent=indent, ensure_ascii=False)
        fh.write('\n')

def copy_tokenizer(folder):
    for name in ('tokenizer.json', 'tokenizer_config.json', 'vocab.txt'):
        shutil.copyfile(os.path.join(BASE, name), os.path.join(folder, name))

def make_st(name, spec, enc, out_dir):
    folder = os.path.join(out_dir, name)
    if os.path.isdir(folder): shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, '1_Pooling'))
    # Module 0: Transformer, saved in the root (save_in_root): the HF checkpoint, tokenizer, sentence_bert_config.json.
    shutil.copyfile(os.path.join(BASE, 'config.json'), os.path.join(folder, 'config.json'))
    shutil.copyfile(os.path.join(BASE, 'model.safetensors'), os.path.join(folder, 'model.safetensors'))
    copy_tokenizer(folder)
    dump(os.path.join(folder, 'sentence_bert_config.json'), {'max_seq_length': enc['max_seq_length'], 'do_lower_case': False}, 4)
    include_prompt = spec.get('include_prompt', True)
    pool_cfg = {'word_embedding_dimension': H}
    for mode in ('cls', 'mean', 'max', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'):  # Pooling.config_keys order
        pool_cfg[MODE_KEYS[mode]] = mode in spec['modes']
    pool_cfg['include_prompt'] = include_prompt
    dump(os.path.join(folder, '1_Pooling', 'config.json'), pool_cfg, 4)
    modules = [{'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
               {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'}]
    width = H * len(spec['modes'])
    dense_sd = None
    if 'dense' in spec:
        d = spec['dense']
        shapes = {'linear.weight': [d['out'], width]}
        if d['bias']: shapes['linear.bias'] = [d['out']]
        dense_sd = random_weights(shapes, d['seed'])
        os.makedirs(os.path.join(folder, '2_Dense'))
        write_safetensors(os.path.join(folder, '2_Dense', 'model.safetensors'), dense_sd, 'F32')
        dump(os.path.join(folder, '2_Dense', 'config.json'),
             {'in_features': width, 'out_features': d['out'], 'bias': d['bias'], 'activation_function': d['act']}, 4)
        modules.append({'idx': 2, 'name': '2', 'path': '2_Dense', 'type': 'sentence_transformers.models.Dense'})
    if spec.get('normalize'):
        i = len(modules)
        # Normalize saves nothing: ST makes an empty {i}_Normalize folder, which git (and the hub) do not keep.
        modules.append({'idx': i, 'name': str(i), 'path': f'{i}_Normalize', 'type': 'sentence_transformers.models.Normalize'})
    dump(os.path.join(folder, 'modules.json'), modules, 2)
    dump(os.path.join(folder, 'config_sentence_transformers.json'),
         {'model_type': 'SentenceTransformer', '__version__': {'sentence_transformers': ST_VERSION, 'pytorch': torch.__version__},
          'prompts': enc['prompts'], 'default_prompt_name': enc['default_prompt_name'], 'similarity_fn_name': 'cosine'}, 2)

    h, mask = encoder(f64(BASE_WEIGHTS), '', enc)
    pm = pooling_mask(mask, enc['prompt_lengths'], include_prompt)
    pooled = pool(h, pm, spec['modes'])
    x, outs = pooled, {'pooled': pooled}
    if dense_sd is not None:
        x = dense(f64(dense_sd), x, spec['dense']['act'])
        outs['dense'] = x
    if spec.get('normalize'):
        x = normalize(x)
    outs['embeddings'] = x
    ref = {'pipeline': 'SentenceTransformer.encode', 'modules': [m['type'].rsplit('.', 1)[1] for m in modules],
           'pooling_modes': [m for m in MODES if m in spec['modes']], 'include_prompt': include_prompt,
           'max_seq_length': enc['max_seq_length'], 'prompts': enc['prompts'], 'default_prompt_name': enc['default_prompt_name'],
           'texts': enc['texts'], 'prompt_names': enc['prompt_names'], 'inputs': enc['inputs'], 'prompt_lengths': enc['prompt_lengths'],
           'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'token_type_ids': enc['token_type_ids']}
    if not include_prompt: ref['pooling_mask'] = pm.tolist()
    if name == 'st-cls': ref['last_hidden_state'] = nested(h)
    ref.update({k: nested(v) for k, v in outs.items()})
    dump(os.path.join(folder, 'reference.json'), ref, None)
    return dict(h=h, mask=mask, pm=pm, pooled=pooled, outs=outs, dense_sd=dense_sd, spec=spec, enc=enc)

def seqcls_weights(spec):
    sd = {'bert.' + k: v for k, v in BASE_WEIGHTS.items() if not k.startswith('pooler.')}
    L = len(spec['labels'])
    sd.update(random_weights({'bert.pooler.dense.weight': [H, H], 'bert.pooler.dense.bias': [H],
                              'classifier.weight': [L, H], 'classifier.bias': [L]}, spec['seed']))
    return sd

def seqcls_forward(sd, enc):
    """BertForSequenceClassification: classifier(tanh(pooler.dense(h[:, 0]))), dropout off."""
    h, _ = encoder(sd, 'bert.', enc)
    return linear(sd, 'classifier.', torch.tanh(linear(sd, 'bert.pooler.dense.', h[:, 0])))

def make_seqcls(name, spec, enc, out_dir):
    folder = os.path.join(out_dir, name)
    if os.path.isdir(folder): shutil.rmtree(folder)
    os.makedirs(folder)
    copy_tokenizer(folder)
    sd32 = seqcls_weights(spec)
    write_safetensors(os.path.join(folder, 'model.safetensors'), sd32, 'F32')
    cfg = dict(BASE_CONFIG)
    cfg['architectures'] = ['BertForSequenceClassification']
    cfg['classifier_dropout'] = None
    cfg['id2label'] = {str(i): l for i, l in enumerate(spec['labels'])}
    cfg['label2id'] = {l: i for i, l in enumerate(spec['labels'])}
    # What CrossEncoder (v4 to v5.4) adds to config.json: its activation function and version.
    cfg['sentence_transformers'] = {'activation_fn': spec['activation'], 'version': ST_VERSION}
    dump(os.path.join(folder, 'config.json'), dict(sorted(cfg.items())), 2)
    logits = seqcls_forward(f64(sd32), enc)
    common = {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'token_type_ids': enc['token_type_ids']}
    if name == 'cross-encoder':
        lg = logits[:, 0]
        scores = torch.sigmoid(lg)
        ranking = sorted(range(len(scores)), key=lambda i: -scores[i].item())
        ref = {'pipeline': 'CrossEncoder.predict / CrossEncoder.rank', 'activation_fn': spec['activation'],
               'query': enc['query'], 'documents': enc['documents'], 'pairs': enc['pairs'],
               'pairs_input_ids': enc['input_ids'], 'pairs_attention_mask': enc['attention_mask'],
               'pairs_token_type_ids': enc['token_type_ids'],
               'logits': nested(lg), 'scores': nested(scores), 'ranking': ranking}
        out = dict(logits=logits, scores=scores)
    else:
        label2id = cfg['label2id']
        entail = next((i for l, i in label2id.items() if l.lower().startswith('entail')), -1)
        contra = -1 if entail == 0 else 0
        P, C = len(enc['premises']), len(enc['candidate_labels'])
        lg = logits.reshape(P, C, -1)
        single = torch.softmax(lg[..., entail], dim=-1)                  # over the candidate labels
        multi = torch.softmax(lg[..., [contra, entail]], dim=-1)[..., 1]  # per label: [contradiction, entailment]
        def ranked(s):
            order = sorted(range(C), key=lambda j: -s[j].item())
            return {'labels': [enc['candidate_labels'][j] for j in order], 'scores': [nested(s[j]) for j in order]}
        ref = {'pipeline': 'ZeroShotClassificationPipeline', 'premise': enc['premises'], 'candidate_labels': enc['candidate_labels'],
               'hypothesis_template': enc['hypothesis_template'], 'entailment_id': entail, 'contradiction_id': contra,
               'pairs': enc['pairs'], 'pairs_input_ids': enc['input_ids'], 'pairs_attention_mask': enc['attention_mask'],
               'pairs_token_type_ids': enc['token_type_ids'],
               'logits': nested(lg),
               'single_label': [ranked(single[p]) for p in range(P)],
               'multi_label': [ranked(multi[p]) for p in range(P)],
               'single_label_scores': nested(single), 'multi_label_scores': nested(multi)}
        out = dict(logits=lg, single=single, multi=multi, entail=entail)
    dump(os.path.join(folder, 'reference.json'), ref, None)
    return out

# ---------------------------------------------------------------------------------------------------------
# Checks

def check_backbone():
    """The forward against pytorch-bert-h64's own reference (its last_hidden_state and pooler_output)."""
    with open(os.path.join(BASE, 'reference.json')) as fh:
        ref = json.load(fh)
    sd = f64(BASE_WEIGHTS)
    h, mask = encoder(sd, '', ref)
    pooler = torch.tanh(linear(sd, 'pooler.dense.', h[:, 0]))
    d1 = (h - torch.tensor(ref['last_hidden_state'])).abs().max().item()
    d2 = (pooler - torch.tensor(ref['pooler_output'])).abs().max().item()
    return max(d1, d2)

def hand_checks(st):
    """A few outputs recomputed row by row with plain Python loops."""
    worst = 0.0
    def diff(a, b):
        nonlocal worst
        worst = max(worst, float((torch.as_tensor(a) - torch.as_tensor(b)).abs().max()))
    # mean over attended tokens, then Dense (tanh, bias) and the L2 norm, for row 4 (truncated to 12 tokens)
    r = st['st-mean-dense-normalize']
    b, h, m = 4, r['h'], r['mask']
    n = sum(int(v) for v in m[b])
    mean = [sum(h[b, i, j].item() for i in range(h.shape[1]) if m[b, i] == 1) / n for j in range(H)]
    diff(r['pooled'][b], mean)
    W, bias = r['dense_sd']['linear.weight'].double(), r['dense_sd']['linear.bias'].double()
    y = [math.tanh(sum(W[o, j].item() * mean[j] for j in range(H)) + bias[o].item()) for o in range(W.shape[0])]
    norm = math.sqrt(sum(v * v for v in y))
    diff(r['outs']['embeddings'][b], [v / norm for v in y])
    # max over attended tokens, row 5 ([CLS] thread [SEP], padded to 22)
    r = st['st-max']; b = 5
    mx = [max(r['h'][b, i, j].item() for i in range(3)) for j in range(H)]
    diff(r['pooled'][b], mx)
    # weightedmean with weights 1..S, row 3
    r = st['st-weighted']; b = 3; S = int(r['mask'][b].sum())
    wm = [sum((i + 1) * r['h'][b, i, j].item() for i in range(S)) / sum(i + 1 for i in range(S)) for j in range(H)]
    diff(r['pooled'][b], wm)
    # lasttoken: the [SEP] of each row
    r = st['st-lasttoken']
    for b in range(r['h'].shape[0]):
        diff(r['pooled'][b], r['h'][b, int(r['mask'][b].sum()) - 1])
    # mean_sqrt_len: sum / sqrt(count), row 0
    r = st['st-mean-sqrt']; b = 0; n = int(r['mask'][b].sum())
    diff(r['pooled'][b], [sum(r['h'][b, i, j].item() for i in range(n)) / math.sqrt(n) for j in range(H)])
    # include_prompt=False: tokens prompt_length .. len-1 only (row 3: 11 tokens, prompt 6), and row 6 (no prompt)
    r = st['st-prompt-excluded']
    for b in (3, 6):
        p = r['enc']['prompt_lengths'][b] or 0; n = int(r['mask'][b].sum())
        diff(r['pooled'][b], [sum(r['h'][b, i, j].item() for i in range(p, n)) / (n - p) for j in range(H)])
    # st-multi: [cls | max | mean], 192 wide
    r = st['st-multi']; b = 2; n = int(r['mask'][b].sum())
    cls = r['h'][b, 0]
    mx = r['h'][b, :n].max(0).values
    mean = r['h'][b, :n].mean(0)
    diff(r['pooled'][b], torch.cat([cls, mx, mean]))
    return worst

def st_source_check(git_dir, rev, st):
    """Runs sentence-transformers' own Pooling / Dense / Normalize files of revision `rev` on the same inputs."""
    v5 = subprocess.run(['git', '--git-dir', git_dir, 'cat-file', '-e', f'{rev}:sentence_transformers/models/Pooling.py'],
                        capture_output=True).returncode == 0
    files = (dict(Pooling='sentence_transformers/models/Pooling.py', Dense='sentence_transformers/models/Dense.py',
                  Normalize='sentence_transformers/models/Normalize.py') if v5 else
             dict(Pooling='sentence_transformers/sentence_transformer/modules/pooling.py',
                  Dense='sentence_transformers/base/modules/dense.py', Normalize='sentence_transformers/base/modules/normalize.py'))
    # Stand-ins for the package imports these files make.
    class Module(torch.nn.Module):
        config_keys = []
    mod = types.ModuleType('stub')
    mod.Module = Module
    def fullname(o): return o.__class__.__module__ + '.' + o.__class__.__name__
    def import_from_string(path):
        m, c = path.rsplit('.', 1); return getattr(__import__(m, fromlist=[c]), c)
    def deprecated_kwargs(**renames):
        def deco(fn):
            def wrapper(*a, **kw):
                for old, new in renames.items():
                    if old in kw: kw.setdefault(new, kw.pop(old))
                return fn(*a, **kw)
            return wrapper
        return deco
    util = types.ModuleType('sentence_transformers.util')
    util.fullname, util.import_from_string = fullname, import_from_string
    deco = types.ModuleType('sentence_transformers.util.decorators'); deco.deprecated_kwargs = deprecated_kwargs
    saved = {k: sys.modules.get(k) for k in ('sentence_transformers', 'sentence_transformers.models', 'sentence_transformers.models.Module',
                                             'sentence_transformers.base', 'sentence_transformers.base.modules',
                                             'sentence_transformers.base.modules.module', 'sentence_transformers.util',
                                             'sentence_transformers.util.decorators')}
    for k in saved: sys.modules[k] = types.ModuleType(k)
    sys.modules['sentence_transformers.models.Module'] = mod
    sys.modules['sentence_transformers.base.modules.module'] = mod
    sys.modules['sentence_transformers.util'] = util
    sys.modules['sentence_transformers.util.decorators'] = deco
    classes = {}
    try:
        for cls, path in files.items():
            src = subprocess.run(['git', '--git-dir', git_dir, 'show', f'{rev}:{path}'], capture_output=True, text=True, check=True).stdout
            ns = {'__name__': 'st_' + cls}
            exec(compile(src, path, 'exec'), ns)
            classes[cls] = ns[cls]
    finally:
        for k, v in saved.items():
            if v is None: sys.modules.pop(k, None)
            else: sys.modules[k] = v
    worst = {}
    for name, r in st.items():
        spec, enc = r['spec'], r['enc']
        kw = {MODE_KEYS[m]: (m in spec['modes']) for m in MODES}
        kw['include_prompt'] = spec.get('include_prompt', True)
        # encode() runs one call per prompt: rows grouped by their prompt length.
        got = torch.empty_like(r['outs']['embeddings'])
        groups = {}
        for b, p in enumerate(enc['prompt_lengths']): groups.setdefault(p, []).append(b)
        for p, rows in groups.items():
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                pooling = classes['Pooling'](word_embedding_dimension=H, **kw)
            feats = {'token_embeddings': r['h'][rows].clone(), 'attention_mask': r['mask'][rows].clone()}
            if p is not None: feats['prompt_length'] = p
            feats = pooling(feats)
            if 'dense' in spec:
                d = spec['dense']
                dm = classes['Dense'](in_features=feats['sentence_embedding'].shape[1], out_features=d['out'], bias=d['bias'],
                                      activation_function=import_from_string(d['act'])())
                dm.linear.weight.data = r['dense_sd']['linear.weight'].double()
                if d['bias']: dm.linear.bias.data = r['dense_sd']['linear.bias'].double()
                feats = dm(feats)
            if spec.get('normalize'):
                feats = classes['Normalize']()(feats)
            got[rows] = feats['sentence_embedding'].detach()
        worst[name] = float((got - r['outs']['embeddings']).abs().max())
    return worst

# ---------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'tests', 'fixtures', 'sentence'))
    ap.add_argument('--inputs', help='a JSON from sentence_inputs.mjs (default: run it)')
    ap.add_argument('--st-git', help='a sentence-transformers git directory, to run its module files on the same inputs')
    ap.add_argument('--st-rev', action='append', default=[])
    args = ap.parse_args()
    if args.inputs:
        with open(args.inputs) as fh: inputs = json.load(fh)
    else:
        inputs = json.loads(subprocess.run(['node', os.path.join(HERE, 'sentence_inputs.mjs')], capture_output=True,
                                           text=True, check=True, cwd=ROOT).stdout)
    fx = inputs['fixtures']
    os.makedirs(args.out, exist_ok=True)
    print(f'backbone vs pytorch-bert-h64/reference.json: max |diff| {check_backbone():.1e}')
    st = {name: make_st(name, spec, fx[name], args.out) for name, spec in ST_FIXTURES.items()}
    sc = {name: make_seqcls(name, spec, fx[name], args.out) for name, spec in SEQCLS.items()}
    for name, r in st.items():
        e = r['outs']['embeddings']
        assert torch.isfinite(e).all() and torch.isfinite(r['pooled']).all(), name
        line = f'{name}: embeddings {list(e.shape)}'
        if r['spec'].get('normalize'):
            dev = float((e.norm(dim=1) - 1).abs().max())
            assert dev < 1e-12, (name, dev)
            line += f', | ||e|| - 1 | max {dev:.1e}'
        print(line)
    for name, r in sc.items():
        assert all(torch.isfinite(v).all() for v in r.values() if torch.is_tensor(v)), name
    print(f"cross-encoder: logits {[round(v, 4) for v in sc['cross-encoder']['logits'][:, 0].tolist()]}")
    print(f"nli: single-label rows sum to 1 within {float((sc['nli']['single'].sum(-1) - 1).abs().max()):.1e}")
    print(f'hand-computed rows: max |diff| {hand_checks(st):.1e}')
    for rev in args.st_rev:
        worst = st_source_check(args.st_git, rev, st)
        print(f'sentence-transformers {rev} Pooling/Dense/Normalize: max |diff| ' + ', '.join(f'{k} {v:.1e}' for k, v in worst.items()))

if __name__ == '__main__':
    main()
