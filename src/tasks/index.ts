// The tasks on top of the encoder. Each takes a loaded model (EncoderModel, or anything with its forward()
// contract, see TaskModel) and returns what the matching transformers pipeline returns.
export { TaskError, type TaskModel } from './common.ts';
export { cosineSimilarity, featureExtraction, similarity, type FeatureExtractionOptions, type SimilarityResult } from './feature-extraction.ts';
export { fillMask, type FillMaskCandidate, type FillMaskOptions } from './fill-mask.ts';
export { classify, classifyBatch, type ClassifyInput, type ClassifyOptions, type LabelScore } from './text-classification.ts';
export {
  groupEntities, tokenClassification, tokenEntities,
  type Aggregation, type EntityGroup, type TokenClassificationOptions, type TokenEntity,
} from './token-classification.ts';
export { decodeSpans, qaWindows, questionAnswering, type Answer, type QuestionAnsweringOptions, type Span } from './question-answering.ts';
export { rerank, type RankedDocument, type RerankOptions } from './rerank.ts';
export { zeroShotClassification, type ZeroShotOptions, type ZeroShotResult } from './zero-shot.ts';
export { embedCorpus, type CorpusOptions, type CorpusProgress, type CorpusVector } from './corpus.ts';
