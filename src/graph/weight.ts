// Weight descriptors: what ops refer to and what the planner binds. A Weight is a name and a shape, never
// values: the values stay in the checkpoint's files until they are uploaded (src/runtime/upload.ts) or read by
// the float64 reference, so a descriptor can be held for the model's lifetime at no memory cost.

export interface Weight {
  /** The Hugging Face tensor name, or a description for derived weights ('layer 0 qkv weight'). */
  readonly name: string;
  readonly shape: readonly number[];
}

/** A Linear layer (PyTorch layout: weight [out, in]). */
export interface Linear { weight: Weight; bias?: Weight }
/** A LayerNorm: gamma and beta [n] (no beta when the checkpoint has no LayerNorm bias). */
export interface Norm { gamma: Weight; beta?: Weight; eps: number }
