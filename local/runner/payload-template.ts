/**
 * Evaluates an ASL payload template (Parameters, ItemSelector, an ItemReader's Parameters) the way
 * Step Functions does, for the subset the engine-gap bridges need: `"key.$"` fields holding a
 * reference path into the input (`$`, `$.a.b`) or into the context object (`$$.Map.Item.Value`),
 * or `States.JsonToString(<path>)`, and literal values copied as they are. Anything else is refused
 * with the field's name rather than evaluated differently from AWS.
 */
export class UnsupportedPayloadTemplateError extends Error {
  override readonly name = 'UnsupportedPayloadTemplateError';
}

const JSON_TO_STRING = /^States\.JsonToString\((.+)\)$/s;
const SIMPLE_PATH = /^\$\$?(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

export function usesJsonToString(template: unknown): boolean {
  if (Array.isArray(template)) return template.some(usesJsonToString);
  if (template === null || typeof template !== 'object') return false;
  return Object.entries(template).some(
    ([key, value]) =>
      (key.endsWith('.$') && typeof value === 'string' && JSON_TO_STRING.test(value.trim())) ||
      usesJsonToString(value),
  );
}

/** `$$`: the context object (Execution, StateMachine, State, and Map.Item inside an ItemSelector). */
export type ContextObject = Readonly<Record<string, unknown>>;

export function evaluatePayloadTemplate(
  template: unknown,
  input: unknown,
  where = 'Parameters',
  context: ContextObject = {},
): unknown {
  if (Array.isArray(template))
    return template.map((item, index) => evaluatePayloadTemplate(item, input, `${where}[${index}]`, context));
  if (template === null || typeof template !== 'object') return template;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (!key.endsWith('.$')) {
      result[key] = evaluatePayloadTemplate(value, input, `${where}.${key}`, context);
      continue;
    }
    const field = `${where}.${key}`;
    if (typeof value !== 'string')
      throw new UnsupportedPayloadTemplateError(`${field} must be a path or intrinsic function string`);
    const expression = value.trim();
    const jsonToString = JSON_TO_STRING.exec(expression);
    result[key.slice(0, -2)] = jsonToString
      ? JSON.stringify(queryPath(jsonToString[1]!.trim(), input, field, context))
      : queryPath(expression, input, field, context);
  }
  return result;
}

/**
 * A reference path (`$.a.b` into the input, `$$.a.b` into the context object), as Step Functions
 * resolves the `*Path` fields and `"key.$"` values.
 */
export function queryPath(path: string, input: unknown, field: string, context: ContextObject = {}): unknown {
  if (!SIMPLE_PATH.test(path)) {
    throw new UnsupportedPayloadTemplateError(
      `${field}: only reference paths such as $.a.b or $$.Map.Item.Value are supported here, got ${path}`,
    );
  }
  const [root, ...segments] = path.split('.');
  let current: unknown = root === '$$' ? context : input;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !(segment in current)) {
      // The error Step Functions raises when a path does not match the input.
      throw Object.assign(
        new Error(`The JSONPath ${path} specified for the field ${field} could not be found in the input`),
        {
          name: 'States.Runtime',
        },
      );
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
