/** Training data of the reward model. */
export interface TrainingResponse {
  id: string;
  text: string;
  embedding?: number[];
}

export interface TrainingPrompt {
  id: string;
  text: string;
  /** Openness in [0, 1]; must be resolved (not null) before training. */
  openness: number | null;
  responses: TrainingResponse[];
  /** One entry per annotation: groups of response ids, best first; a group of > 1 is a tie. */
  rankings: string[][][];
}
