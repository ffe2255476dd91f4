// Cases the fuzzer once failed, replayed by every run (tests/unit/fuzz.test.ts) after the bug was fixed:
// the target, the case seed, and what it found. A seed names its input through the mutators of mutate.ts
// as they are now; a change to them that moves these inputs should keep the bug's input in a direct test too
// (tests/unit/fuzz.test.ts "inputs the fuzzer found").
export const REGRESSIONS: { target: string; seed: number; found: string }[] = [
  { target: 'checkpoint', seed: 145120815, found: 'safetensors header entry of 100,000 numbers quoted whole in a 200 KB error message' },
  { target: 'safetensors', seed: 2360782002, found: 'the same, in a bare safetensors file' },
  { target: 'checkpoint', seed: 783415385, found: 'the fuzzer itself: a pattern injected into a tokenizer.json already damaged in the same case' },
  { target: 'tokenizer.json', seed: 613729477, found: 'a BPE merge of a 70,000-char token quoted whole in a TokenizerError (140 KB message)' },
  { target: 'tokenizer.json', seed: 957475165, found: 'a Unigram vocab entry of 100,000 numbers quoted whole' },
  { target: 'checkpoint', seed: 2934209503, found: 'max_input_chars_per_word of 100,000 numbers quoted whole' },
  { target: 'checkpoint', seed: 2351536966, found: 'the fuzzer itself: a safetensors header damaged twice in one case' },
];
