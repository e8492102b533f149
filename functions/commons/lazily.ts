/**
 * Creates the value on first use and keeps it for the life of the execution environment, so warm
 * invocations reuse connections and resolved credentials.
 */
export function lazily<Value>(create: () => Value): () => Value {
  let created: { value: Value } | undefined;
  return () => {
    created ??= { value: create() };
    return created.value;
  };
}
