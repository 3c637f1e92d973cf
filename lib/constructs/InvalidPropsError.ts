/**
 * Every invalid prop of one construct, reported together at synth time so a deployer fixes them in
 * one pass (the AWS Solutions Constructs habit).
 */
export class InvalidPropsError extends Error {
  readonly problems: readonly string[];

  constructor(construct: string, problems: readonly string[]) {
    super(`${construct}: invalid props:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidPropsError';
    this.problems = problems;
  }

  /** Throws one error listing all `problems`; returns when there are none. */
  static throwIfAny(construct: string, problems: readonly string[]): void {
    if (problems.length > 0) throw new InvalidPropsError(construct, problems);
  }
}
