/**
 * Evaluates an ASL payload template (Parameters) the way Step Functions does, for the subset the
 * engine-gap bridges need: `"key.$"` fields holding a reference path (`$`, `$.a.b`) or
 * `States.JsonToString(<path>)`, and literal values copied as they are. Anything else is refused
 * with the field's name rather than evaluated differently from AWS.
 */
export class UnsupportedPayloadTemplateError extends Error {
  override readonly name = 'UnsupportedPayloadTemplateError';
}

const JSON_TO_STRING = /^States\.JsonToString\((.+)\)$/s;
const SIMPLE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

export function usesJsonToString(template: unknown): boolean {
  if (Array.isArray(template)) return template.some(usesJsonToString);
  if (template === null || typeof template !== 'object') return false;
  return Object.entries(template).some(
    ([key, value]) =>
      (key.endsWith('.$') && typeof value === 'string' && JSON_TO_STRING.test(value.trim())) ||
      usesJsonToString(value),
  );
}

export function evaluatePayloadTemplate(template: unknown, input: unknown, where = 'Parameters'): unknown {
  if (Array.isArray(template))
    return template.map((item, index) => evaluatePayloadTemplate(item, input, `${where}[${index}]`));
  if (template === null || typeof template !== 'object') return template;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (!key.endsWith('.$')) {
      result[key] = evaluatePayloadTemplate(value, input, `${where}.${key}`);
      continue;
    }
    const field = `${where}.${key}`;
    if (typeof value !== 'string')
      throw new UnsupportedPayloadTemplateError(`${field} must be a path or intrinsic function string`);
    const expression = value.trim();
    const jsonToString = JSON_TO_STRING.exec(expression);
    result[key.slice(0, -2)] = jsonToString
      ? JSON.stringify(queryPath(jsonToString[1]!.trim(), input, field))
      : queryPath(expression, input, field);
  }
  return result;
}

function queryPath(path: string, input: unknown, field: string): unknown {
  if (!SIMPLE_PATH.test(path)) {
    throw new UnsupportedPayloadTemplateError(
      `${field}: only reference paths such as $.a.b are supported here, got ${path}`,
    );
  }
  let current = input;
  for (const segment of path.split('.').slice(1)) {
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
