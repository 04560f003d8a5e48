/**
 * Builds a value on first use and hands the same one to every later caller in this test file.
 *
 * Synthesizing a stack is most of what a CDK test costs. Tests that only read the same template (snapshot,
 * outputs, resource properties) share one synthesis: `const sample = once(() => { ...; return { stack, template }; })`
 * at the top of the file, `sample()` in each test. Give a test its own app when it changes the construct tree
 * or needs other props or context; a shared app must stay as built.
 *
 * Jest gives every test file its own module registry, so a value is shared within a file, never across files.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
