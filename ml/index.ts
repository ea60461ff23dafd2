/** Octorank's reward-model library (pure TypeScript; see DESIGN §1 and docs/ml.md). */
export { initBackend, activeBackend, type BackendName } from "./backend";
export {
  UTILITY_NAMES,
  type UtilityName,
  type UtilityParams,
  DEFAULT_EPS,
  ADAPTIVE_THRESHOLD,
  isUtilityName,
  utility,
  utilityDerivative,
  utilityGamma,
  utilityTensor,
} from "./utility";
export { optimalRewards, type OptimalRewardsOptions } from "./theory";
export {
  COLLAPSE_THRESHOLDS,
  profile,
  spread,
  targetProfile,
  misfit,
  shape,
  collapseGap,
  opennessTracking,
  spearman,
  promptFlags,
  collapseReport,
  type CollapseReport,
  type VerdictKind,
  type PromptReport,
  type ProfiledPrompt,
} from "./metrics";
export { syntheticLengthDataset, OPEN_LENGTHS, CLOSED_LENGTHS, type SyntheticOptions } from "./synthetic";
export type { TrainingPrompt, TrainingResponse } from "./types";
export { NUMERIC_FEATURES, Featurizer, featurizePrompts, featurizeRows, type FeatureMatrix } from "./features";
export { pairWeights, pairLoss, pairAccuracy } from "./loss";
export {
  trainConfigSchema,
  trainRewardModel,
  type TrainConfig,
  type TrainConfigInput,
  type TrainProgress,
  type TrainOptions,
  type TrainMetrics,
  type TrainResult,
} from "./trainer";
export { loadRewardModel, type LoadedRewardModel } from "./scoring";
export {
  type AnnotatedPrompt,
  type PromptAnnotation,
  type OpennessEstimate,
  type OpennessEstimator,
  type OpennessEvaluation,
  annotatorCeiling,
  evaluateOpennessEstimator,
  meanTag,
  tagSpread,
  tagsOf,
  withTags,
} from "./openness-eval";
export { fitTextOpenness, fitTextOpennessOn, type TextOpennessModel } from "./openness-text";
export { fitRankingOpenness, rankingFeatures, RANKING_FEATURES, type RankingOpennessModel } from "./openness-rankings";
export {
  syntheticOpennessPrompts,
  simulatedAnnotators,
  simulateAnnotation,
  annotateAll,
  DEFAULT_ANNOTATOR_MODEL,
  type SimulatedPrompt,
  type SimulatedAnnotator,
  type AnnotatorModel,
} from "./synthetic-annotations";
