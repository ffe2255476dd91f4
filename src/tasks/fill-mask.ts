// Fill-mask, after transformers' FillMaskPipeline: for every mask token ([MASK], <mask>) of the text, the softmax over the
// vocabulary of the MLM logits at that position and the top k tokens. Only the masked rows of the logits
// are read back from the GPU ([masks, vocab] instead of [tokens, vocab]).
// `sequence` is the text with that one mask filled, decoded; as in transformers, special tokens are
// skipped when the text has one mask and kept when it has several (so the other masks stay visible).
// Field names: transformers calls the id `token` and the string `token_str`; here they are `tokenId` and `token`.
import { checkTopK, maxInputLength, requireTokenizer, softmax, TaskError, toInputs, topK, type TaskModel } from './common.ts';

export interface FillMaskOptions {
  /** Candidates per mask (default 5). */
  topK?: number;
}

export interface FillMaskCandidate {
  score: number;
  /** The token as text (transformers' `token_str`). */
  token: string;
  tokenId: number;
  /** The input with this token in place of the mask. */
  sequence: string;
}

/** Candidates for each mask token of `text`, in the order the masks appear; best first. */
export async function fillMask(model: TaskModel, text: string, opts: FillMaskOptions = {}): Promise<FillMaskCandidate[][]> {
  const tokenizer = requireTokenizer(model, 'fillMask');
  if (!model.hasMlmHead) throw new TaskError('fillMask needs a masked-language-model head (a *ForMaskedLM checkpoint)');
  const k = opts.topK ?? 5;
  checkTopK(k, 'fillMask');
  const maskId = tokenizer.maskTokenId;
  if (maskId === undefined) throw new TaskError('fillMask: the tokenizer has no mask token');
  const enc = tokenizer.encode(text, { maxLength: maxInputLength(model), truncation: true });
  const positions = enc.inputIds.flatMap((id, i) => (id === maskId ? [i] : []));
  if (positions.length === 0) throw new TaskError(`fillMask: no ${tokenizer.idToToken(maskId)} token in the input`);
  const r = await model.forward(toInputs([enc]), {
    hidden: false, pooler: false, classifier: false, qa: false, logits: true,
    logitsAt: positions.map((p) => [0, p] as const),
  });
  const V = model.config.vocabSize;
  const single = positions.length === 1;
  return positions.map((pos, m) => {
    const probs = softmax(r.logitsAt!, m * V, V);
    return topK(probs, k).map((id) => {
      const ids = enc.inputIds.slice();
      ids[pos] = id;
      return {
        score: probs[id],
        token: tokenizer.decode([id]),
        tokenId: id,
        sequence: tokenizer.decode(ids, { skipSpecialTokens: single }),
      };
    });
  });
}
