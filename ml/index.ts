/** Octorank's reward-model library (pure TypeScript; see docs/design.md and docs/ml.md). */
export { initBackend, activeBackend, type BackendName } from "./kernels/backend";
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
export { optimalRewards, optimalGaps, type OptimalRewardsOptions } from "./diagnosis/theory";
export {
  SHAPE_MAX,
  profile,
  spread,
  targetProfile,
  misfit,
  shape,
  quantileGrid,
  spearman,
  isFlat,
  linkRewards,
  REWARD_LINKS,
  type RewardLink,
  type TargetOptions,
} from "./diagnosis/metrics";
export {
  IDENTIFIABLE_RANGE,
  OPENNESS_GRID_STEP,
  impliedOpenness,
  impliedOpennessCurve,
  opennessTargetGrid,
  type ImpliedOpenness,
  type OpennessFitOptions,
  type OpennessFitPoint,
  type OpennessTargetGrid,
} from "./diagnosis/implied-openness";
export {
  COLLAPSE_THRESHOLDS,
  VERDICT_KINDS,
  collapseReport,
  collapseSnapshot,
  pairedControl,
  type PairedControl,
  rankingAccuracy,
  tieGroups,
  verdictRule,
  type CollapseReport,
  type CollapseThresholds,
  type DiagnosisOptions,
  type DiagnosisPrompt,
  type CollapseModel,
  type GroupChance,
  type Interval,
  type PromptReport,
  type Tracking,
  type VerdictKind,
} from "./diagnosis/verdict";
export {
  syntheticLengthDataset,
  syntheticLengthSplit,
  HELD_OUT_ID_PREFIX,
  OPEN_LENGTHS,
  CLOSED_LENGTHS,
  type SyntheticOptions,
} from "./simulation/synthetic";
export type { TrainingPrompt, TrainingResponse } from "./types";
export { mulberry32, normal, shuffleInPlace, type Rng } from "./rng";
export { NUMERIC_FEATURES, Featurizer, featurizePrompts, featurizeRows, type FeatureMatrix } from "./training/features";
export { pairWeights, pairLoss, pairAccuracy } from "./training/loss";
export {
  trainConfigSchema,
  trainRewardModel,
  type TrainConfig,
  type TrainConfigInput,
  type TrainProgress,
  type TrainOptions,
  type TrainMetrics,
  type TrainResult,
  type TrajectoryPoint,
} from "./training";
// The trainer's parts, for the trainer bench (bench/trainer.ts) that times one step against PyTorch.
export {
  TrainingSession,
  denseInputRows,
  fillBatch,
  prepareData,
  type BatchBuffers,
  type BatchTensors,
  type PreparedData,
} from "./training";
export { forwardPlain, paramList } from "./training/model";
export { loadRewardModel, type LoadedRewardModel } from "./training/scoring";
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
} from "./openness/evaluation";
export { fitTextOpenness, fitTextOpennessOn, type TextOpennessModel } from "./openness/text";
export { fitRankingOpenness, rankingFeatures, RANKING_FEATURES, type RankingOpennessModel } from "./openness/rankings";
export {
  syntheticOpennessPrompts,
  simulatedAnnotators,
  simulateAnnotation,
  annotateAll,
  DEFAULT_ANNOTATOR_MODEL,
  type SimulatedPrompt,
  type SimulatedAnnotator,
  type AnnotatorModel,
} from "./simulation/synthetic-annotations";
export {
  impliedUtility,
  EPS_GRID,
  GAMMA_RANGE,
  LOSS_TOLERANCE,
  IDENTIFIABLE_WIDTH,
  type UtilityProfile,
  type PromptUtility,
  type EffectiveUtility,
} from "./diagnosis/implied-utility";
export {
  ACTIVE_QUEUE_ORDERS,
  ACTIVE_QUEUE_ORDER_LABELS,
  isActiveQueueOrder,
  orderQueue,
  rewardMargin,
  type ActiveQueueOrder,
  type QueueCandidate,
} from "./openness/active";
