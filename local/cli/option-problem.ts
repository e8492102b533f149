/** The options a command takes, as node:util's parseArgs describes them. */
export type OptionSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/**
 * node:util's own messages quote oddly and suggest `--` for positionals; name the option and what
 * the command takes instead.
 */
export function optionProblem(
  command: string,
  args: readonly string[],
  options: OptionSpec,
  error: Error,
): string {
  const expected = Object.entries(options)
    .map(([name, { type }]) => (type === 'string' ? `--${name} <value>` : `--${name}`))
    .join(', ');
  const code = (error as { code?: string }).code;
  const option = args.find((arg) => arg.startsWith('-') && !knownOption(arg, options));
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined)
    return `unknown option ${option.split('=')[0]} for ${command}; expected: ${expected}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const needsValue = Object.entries(options).find(
      ([name, { type }]) => type === 'string' && args.at(-1) === `--${name}`,
    );
    if (needsValue) return `--${needsValue[0]} for ${command} needs a value`;
  }
  return `${error.message} (${command} takes ${expected})`;
}

function knownOption(arg: string, options: OptionSpec): boolean {
  if (arg === '--') return true;
  const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
  return name in options;
}
