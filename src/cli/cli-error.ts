// An error the warp CLI reports as one line and an exit code: 2 for a usage mistake, 1 for a
// refusal or failure from the node.

export class CliError extends Error {
  constructor(
    message: string,
    /** The WARP_E_ code from the node, or null for a mistake found before any request. */
    readonly code: string | null = null,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 'WARP_E_BAD_FLAG', 2);
}
