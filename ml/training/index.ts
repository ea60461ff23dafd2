/**
 * The trainer, in ml/training/: config (settings and results), data (split, features, pair
 * weights), batch (host buffers and tensors of one step), session (model, optimizer, evaluation),
 * trajectory (collapse figures at checkpoints) and loop (trainRewardModel). One training step is
 * one tf.tidy; features are computed once into packed CSR arrays that live on the backend for the
 * whole run.
 */
export {
  trainConfigSchema,
  type TrainConfig,
  type TrainConfigInput,
  type TrainMetrics,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
} from "./config";
export { type PreparedData, denseInputRows, prepareData, splitPrompts } from "./data";
export { type BatchBuffers, type BatchTensors, fillBatch } from "./batch";
export { TrainingSession } from "./session";
export { type TrajectoryPoint, checkpointSteps, trajectoryPoints } from "./trajectory";
export { trainRewardModel } from "./loop";
