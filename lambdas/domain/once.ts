/**
 * A value built on first use and kept for the life of the process: for what a cold start would
 * otherwise build at module load although some invocations (or some functions bundling the same
 * module) never use it. Whatever reads it pays the cost once, at its first read.
 */
/* @__NO_SIDE_EFFECTS__ */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
