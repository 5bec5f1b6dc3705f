/** Per-step task losses of the README example, [step][task]. */
export declare const history: number[][];
/** The sine task's loss of `model.predict` after training. */
export declare const sineLoss: number;
