/** Per-step task losses of the README example, [step][task]. */
export declare const history: number[][];
